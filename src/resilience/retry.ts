/** How reads are retried; writes never are (a retried write may apply twice). */
export interface RetryPolicy {
  /** Attempts in all, the first included: 1 turns retries off. */
  attempts: number;
  /** Backoff before retry n is a random time below `baseDelayMs * 2^(n-1)` ("full jitter"). */
  baseDelayMs: number;
  /** The longest the gateway waits before a retry; a `Retry-After` asking for more ends the read. */
  maxDelayMs: number;
  /** A read's whole time, retries and waits included; `null`: twice the source's per-call timeout. */
  deadlineMs: number | null;
}

/** Statuses that say "try again later" rather than "this request is wrong". */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * What went wrong with one attempt, as far as retries and the breaker care; attached to the error
 * thrown so the error itself stays the one the client sees.
 */
export interface AttemptFailure {
  /** `timeout` and `unreachable` come from the network; `http` carries a status. */
  kind: 'timeout' | 'unreachable' | 'http' | 'malformed';
  status?: number;
  retryable: boolean;
  /** Counts towards opening the breaker: the upstream failed to serve, rather than refused the request. */
  unhealthy: boolean;
  retryAfterMs?: number;
}

const failures = new WeakMap<object, AttemptFailure>();

export function withFailure<E extends object>(error: E, failure: AttemptFailure): E {
  failures.set(error, failure);
  return error;
}

export function failureOf(error: unknown): AttemptFailure | undefined {
  return typeof error === 'object' && error !== null ? failures.get(error) : undefined;
}

/** Classifies an HTTP error status; `retryAfter` is the response's `Retry-After` header. */
export function httpFailure(status: number, retryAfter: string | null, now = Date.now()): AttemptFailure {
  return { kind: 'http', status, retryable: RETRYABLE_STATUS.has(status), unhealthy: status >= 500, retryAfterMs: parseRetryAfter(retryAfter, now) };
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; unreadable values are ignored. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retrying after attempt `n` failed, or `null` when the read must give up: the
 * failure is not worth retrying, attempts are used up, the upstream asked for a longer pause than
 * the gateway waits, or the wait and a useful attempt no longer fit in the read's remaining time.
 */
export function retryDelay(n: number, failure: AttemptFailure | undefined, remainingMs: number, minAttemptMs: number, policy: RetryPolicy, random: () => number): number | null {
  if (!failure?.retryable || n >= policy.attempts) return null;
  let wait: number;
  if (failure.retryAfterMs !== undefined) {
    // Retrying earlier than asked would only earn another 429.
    if (failure.retryAfterMs > policy.maxDelayMs) return null;
    wait = failure.retryAfterMs;
  } else {
    wait = Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
  }
  return wait + minAttemptMs <= remainingMs ? wait : null;
}
