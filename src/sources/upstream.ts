import { cacheTtl } from '../cache/ttl';
import type { ReadCache } from '../cache/read-cache';
import type { RunLocks } from '../writes/run-lock';
import { gatewayError, type GatewayError } from '../errors';
import { currentScope, requestScope } from '../request-scope';
import type { Resilience, SourceGuard } from '../resilience/guard';
import { httpFailure, withFailure } from '../resilience/retry';
import { redactSecrets, secretsOf } from './redact';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** What every connector is built with. */
export interface SourceDeps {
  fetch: FetchFn;
  recorder: CallRecorder;
  cache?: ReadCache | null;
  /** Serialises read-modify-writes of a run (W&B); in-process only when absent. */
  locks?: RunLocks;
  /** Retries, retry budget and circuit breaker per source; none when absent. */
  resilience?: Resilience | null;
}

/** One finished upstream request, named by a stable operation name such as `mlflow.runs.search`. */
export interface UpstreamCall {
  source: string;
  op: string;
  method: string;
  status: number | null;
  /** `aborted`: the gateway's own caller went away mid-upload. */
  outcome: 'ok' | 'http_error' | 'unreachable' | 'timeout' | 'aborted';
  durationMs: number;
}

/** Receives every upstream call: logs and metrics in production, exact call counts in tests. */
export interface CallRecorder {
  record(call: UpstreamCall): void;
}

export class CallLog implements CallRecorder {
  readonly calls: UpstreamCall[] = [];
  record(call: UpstreamCall): void {
    this.calls.push(call);
  }
  count(op?: string): number {
    return op ? this.calls.filter((c) => c.op === op).length : this.calls.length;
  }
  /** Operation name → number of calls, for whole-object assertions. */
  byOp(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls) out[c.op] = (out[c.op] ?? 0) + 1;
    return out;
  }
  reset(): void {
    this.calls.length = 0;
  }
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** A path under the base URL, or an absolute URL (file links an upstream hands out). */
  path: string;
  /** Arrays become repeated keys (`a=1&a=2`), as MLflow's GET endpoints expect. */
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
}

export interface UploadRequest {
  method: 'PUT';
  /** A path under the base URL, or an absolute URL (an upload URL the upstream handed out). */
  path: string;
  body: ReadableStream<Uint8Array>;
  /** Exact size in bytes, sent as Content-Length: object stores refuse uploads without one. */
  length: number;
  headers?: Record<string, string>;
  /** The caller's request ending early: the upload is aborted upstream. */
  signal?: AbortSignal;
}

/** The caller stopped sending the body; nothing is reported to them, since they are gone. */
export class UploadAborted extends Error {
  constructor() {
    super('The upload was aborted by the caller.');
  }
}

export interface UpstreamOptions {
  source: string;
  /** Human name of the upstream kind, for messages ("MLflow"). */
  label: string;
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
  fetch: FetchFn;
  recorder: CallRecorder;
  /** Turns a non-2xx response into the gateway's error; the body is read but never echoed whole. */
  errorFromResponse: (status: number, body: string) => GatewayError;
  /** Shared reads; only operations listed in CACHE_TTL_MS (or merges of them) are cached. */
  cache?: ReadCache | null;
  /**
   * For sources configured with `credentials: caller`: the Authorization header built from the
   * calling request's own secret, used instead of the service credentials in `headers`.
   */
  callerAuthorization?: (secret: string) => string;
  /** Reads (CACHE_TTL_MS operations, GET streams) are retried; every call goes through the source's breaker. */
  resilience?: Resilience | null;
}

/**
 * The only HTTP path to an upstream: every call has a name, a deadline and a record, and network
 * failures become UPSTREAM_UNAVAILABLE with the source named.
 */
export class Upstream {
  private readonly guard: SourceGuard | null;

  constructor(private readonly opts: UpstreamOptions) {
    this.guard = opts.resilience?.forSource(opts.source, opts.label) ?? null;
  }

  async json<T>(op: string, req: UpstreamRequest): Promise<T> {
    const ttl = cacheTtl(op);
    const cache = this.opts.cache;
    // An operation the cache may keep is a read, and only reads are retried.
    if (!cache || !ttl) return this.fetchJson<T>(op, req, ttl !== undefined);
    const key = await cache.key({
      source: this.opts.source,
      credentials: this.headers().authorization ?? '',
      op,
      request: `${req.method} ${this.url(req)} ${JSON.stringify(req.body ?? null)}`,
    });
    return cache.through(key, ttl, () => this.fetchJson<T>(op, req, true), { source: this.opts.source, op });
  }

  /** A read that is never cached (it must see the upstream as it is now) but is retried like any read. */
  fresh<T>(op: string, req: UpstreamRequest): Promise<T> {
    return this.fetchJson<T>(op, req, true);
  }

  /**
   * A request that changes upstream data. Never cached; afterwards (even when it failed, since a
   * failed write may be half-applied) nothing cached from this source before it is served again.
   */
  async write<T>(op: string, req: UpstreamRequest): Promise<T> {
    try {
      return await this.fetchJson<T>(op, req, false);
    } finally {
      await this.opts.cache?.invalidate(this.opts.source);
    }
  }

  private fetchJson<T>(op: string, req: UpstreamRequest, read: boolean): Promise<T> {
    return this.guarded(op, read, async (timeoutMs) => {
      const { source, label } = this.opts;
      const res = await this.send(op, req, timeoutMs);
      let text: string;
      try {
        text = await res.text();
      } catch {
        // The deadline (or the connection) ended mid-body: as unavailable as no answer at all.
        throw withFailure(gatewayError('UPSTREAM_UNAVAILABLE', `${label} source '${source}' did not finish its answer within ${timeoutMs} ms.`, { source }), { kind: 'timeout', retryable: true, unhealthy: true });
      }
      if (text === '') return {} as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw withFailure(gatewayError('UPSTREAM_ERROR', `${label} source '${source}' sent a response that is not JSON (${op}).`, { source }), { kind: 'malformed', retryable: false, unhealthy: true });
      }
    });
  }

  /**
   * Sends a large body (a file) as it arrives: never buffered, never retried (the body can be read
   * once), and bounded by an idle deadline (no byte moved, or no answer after the last one, for
   * `timeoutMs`) rather than a total one, so a long upload of a big file is not cut off. Aborting
   * `signal` (the caller went away) aborts the upstream request. Cached reads of the source are
   * dropped afterwards, whatever the outcome.
   */
  async upload(op: string, req: UploadRequest): Promise<void> {
    try {
      await this.guarded(op, false, (idleMs) => this.sendBody(op, req, idleMs));
    } finally {
      await this.opts.cache?.invalidate(this.opts.source);
    }
  }

  /** For downloads: the caller consumes the body as a stream. GETs are reads, and retried. */
  async stream(op: string, req: UpstreamRequest): Promise<Response> {
    return this.guarded(op, req.method === 'GET', (timeoutMs) => this.send(op, req, timeoutMs));
  }

  private guarded<T>(op: string, read: boolean, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
    return this.guard ? this.guard.run(op, read, this.opts.timeoutMs, attempt) : attempt(this.opts.timeoutMs);
  }

  /** One attempt: recorded, bounded by `timeoutMs`, its failure classified for retries and the breaker. */
  private async send(op: string, req: UpstreamRequest, timeoutMs: number): Promise<Response> {
    const { source, label, recorder } = this.opts;
    const started = performance.now();
    const finish = (status: number | null, outcome: UpstreamCall['outcome']) =>
      recorder.record({ source, op, method: req.method, status, outcome, durationMs: Math.round(performance.now() - started) });
    const headers = this.headers();
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.opts.fetch(this.url(req), {
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (e) {
      // Checked by name: a DOMException may come from another realm, where instanceof fails.
      const name = (e as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      finish(null, timedOut ? 'timeout' : 'unreachable');
      const why = timedOut ? `did not answer within ${timeoutMs} ms` : 'is unreachable';
      throw withFailure(gatewayError('UPSTREAM_UNAVAILABLE', `${label} source '${source}' ${why}.`, { source }), { kind: timedOut ? 'timeout' : 'unreachable', retryable: true, unhealthy: true });
    }
    if (res.ok) {
      finish(res.status, 'ok');
      return res;
    }
    finish(res.status, 'http_error');
    const body = await res.text().catch(() => '');
    const error = redactSecrets(this.opts.errorFromResponse(res.status, body), secretsOf(headers.authorization));
    throw withFailure(error, httpFailure(res.status, res.headers.get('retry-after')));
  }

  private async sendBody(op: string, req: UploadRequest, idleMs: number): Promise<void> {
    const { source, label, recorder } = this.opts;
    const started = performance.now();
    const finish = (status: number | null, outcome: UpstreamCall['outcome']) =>
      recorder.record({ source, op, method: req.method, status, outcome, durationMs: Math.round(performance.now() - started) });
    const headers: Record<string, string> = { ...this.headers(), ...req.headers, 'content-length': String(req.length) };
    const abort = new AbortController();
    let idle = false;
    // Who the idle deadline waited on: a stall while reading the caller is the caller's, not the source's.
    let readingCaller = false;
    const timer = setTimeout(() => {
      idle = true;
      abort.abort();
    }, idleMs);
    const callerAbort = () => abort.abort();
    req.signal?.addEventListener('abort', callerAbort);
    const reader = req.body.getReader();
    // Pulled one chunk at a time (highWaterMark 0): the upstream's pace sets how fast the caller is read.
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(ctrl) {
          readingCaller = true;
          const { value, done } = await reader.read();
          readingCaller = false;
          timer.refresh();
          if (done) ctrl.close();
          else ctrl.enqueue(value);
        },
        cancel: (why) => reader.cancel(why),
      },
      { highWaterMark: 0 },
    );
    try {
      let res: Response;
      try {
        // `redirect: 'error'`: with any other mode fetch clones the request, teeing the body, and
        // the unread branch would buffer the whole file. A body read once cannot follow a redirect anyway.
        res = await this.opts.fetch(this.url(req), { method: req.method, headers, body, signal: abort.signal, redirect: 'error', duplex: 'half' } as RequestInit);
      } catch (e) {
        if (req.signal?.aborted) {
          finish(null, 'aborted');
          throw new UploadAborted();
        }
        void reader.cancel().catch(() => undefined);
        if (idle && readingCaller) {
          finish(null, 'aborted');
          throw gatewayError('BAD_USER_INPUT', `The upload stalled: no bytes arrived for ${idleMs} ms, so it was abandoned.`);
        }
        finish(null, idle ? 'timeout' : 'unreachable');
        const why = idle ? `took no bytes and gave no answer for ${idleMs} ms` : 'is unreachable or dropped the upload';
        throw withFailure(gatewayError('UPSTREAM_UNAVAILABLE', `${label} source '${source}' ${why}.`, { source }), { kind: idle ? 'timeout' : 'unreachable', retryable: false, unhealthy: true });
      }
      const text = await res.text().catch(() => '');
      if (res.ok) return finish(res.status, 'ok');
      finish(res.status, 'http_error');
      const error = redactSecrets(this.opts.errorFromResponse(res.status, text), secretsOf(headers.authorization));
      throw withFailure(error, httpFailure(res.status, res.headers.get('retry-after')));
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', callerAbort);
    }
  }

  /** The headers of this call: with the caller's own credentials where the source uses them. */
  private headers(): Record<string, string> {
    const { callerAuthorization, source, label } = this.opts;
    if (!callerAuthorization) return { ...this.opts.headers };
    // Outside any request (readiness probes) there is no caller: probe without credentials.
    if (!requestScope.getStore()) return { ...this.opts.headers };
    const secret = currentScope().upstreamSecrets?.[source];
    if (!secret) {
      throw gatewayError('UNAUTHENTICATED', `${label} source '${source}' uses each caller's own credentials: send them in the X-Source-Token-${source} header.`, { source });
    }
    return { ...this.opts.headers, authorization: callerAuthorization(secret) };
  }

  private url(req: Pick<UpstreamRequest, 'path' | 'query'>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
    }
    const qs = params.toString();
    const base = /^https?:\/\//.test(req.path) ? '' : this.opts.baseUrl;
    return `${base}${req.path}${qs ? `?${qs}` : ''}`;
  }
}

export function authHeaders(auth: { type: 'none' } | { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string }): Record<string, string> {
  if (auth.type === 'bearer') return { authorization: `Bearer ${auth.token}` };
  if (auth.type === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  return {};
}
