import { GatewayError } from '../../src/errors';
import { CircuitBreaker } from '../../src/resilience/breaker';
import { RetryBudget } from '../../src/resilience/budget';
import { Resilience, type Clock, type ResilienceSettings } from '../../src/resilience/guard';
import { parseRetryAfter, retryDelay, type RetryPolicy } from '../../src/resilience/retry';
import { errorFromResponse } from '../../src/sources/mlflow/mlflow-client';
import { CallLog, Upstream } from '../../src/sources/upstream';
import { FakeFetch } from '../helpers/fake-fetch';

const POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 10_000, deadlineMs: 60_000 };

/** Time that moves only when the code under test sleeps (or the test says so). */
class FakeClock implements Clock {
  t = 0;
  readonly waits: number[] = [];
  now = () => this.t;
  random = () => 0.5;
  sleep = async (ms: number) => {
    this.waits.push(ms);
    this.t += ms;
  };
}

function setup(over: { retry?: Partial<RetryPolicy>; budget?: Partial<ResilienceSettings['budget']>; breaker?: Partial<ResilienceSettings['breaker']> } = {}) {
  const fake = new FakeFetch();
  const clock = new FakeClock();
  const calls = new CallLog();
  const events: string[] = [];
  const settings: ResilienceSettings = {
    retry: { ...POLICY, ...over.retry },
    budget: { percent: 20, minPer10s: 100, ...over.budget },
    breaker: { failures: 100, cooldownMs: 1000, ...over.breaker },
  };
  const resilience = new Resilience(
    settings,
    {
      retried: (s, op, reason) => events.push(`retry ${s} ${op} ${reason}`),
      budgetExhausted: (s) => events.push(`budget ${s}`),
      rejected: (s) => events.push(`rejected ${s}`),
      breakerChanged: (s, state) => events.push(`${s} ${state}`),
    },
    null,
    clock,
  );
  const upstream = new Upstream({
    source: 'prod',
    label: 'MLflow',
    baseUrl: 'http://mlflow.test',
    headers: {},
    timeoutMs: 5000,
    fetch: fake.fetch,
    recorder: calls,
    errorFromResponse: (status, body) => errorFromResponse('prod', status, body),
    resilience,
  });
  // mlflow.runs.get is a read (it has a cache TTL); mlflow.runs.update is a write.
  const read = () => upstream.json('mlflow.runs.get', { method: 'GET', path: '/get' });
  const write = () => upstream.write('mlflow.runs.update', { method: 'POST', path: '/update', body: {} });
  return { fake, clock, calls, events, upstream, read, write };
}

/** Replies in turn, the last one for every later request. */
const replies = (...list: Array<{ status?: number; json?: unknown; headers?: Record<string, string> } | Error>) => {
  let i = 0;
  return () => list[Math.min(i++, list.length - 1)] as { status?: number } | Error;
};

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

describe('retry arithmetic', () => {
  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('backs off with full jitter below base × 2^(n-1), capped, and gives up when the wait does not fit', () => {
    const f = { kind: 'http' as const, status: 503, retryable: true, unhealthy: true };
    expect(retryDelay(1, f, 60_000, 100, POLICY, () => 0.999)).toBe(99);
    expect(retryDelay(2, f, 60_000, 100, POLICY, () => 0.999)).toBe(199);
    expect(retryDelay(2, f, 60_000, 100, POLICY, () => 0)).toBe(0);
    expect(retryDelay(2, f, 60_000, 100, { ...POLICY, attempts: 10, maxDelayMs: 150 }, () => 0.999)).toBe(149);
    expect(retryDelay(3, f, 60_000, 100, POLICY, () => 0.5)).toBeNull();
    expect(retryDelay(1, { ...f, retryable: false }, 60_000, 100, POLICY, () => 0.5)).toBeNull();
    expect(retryDelay(1, f, 149, 100, POLICY, () => 0.5)).toBeNull();
    expect(retryDelay(1, f, 150, 100, POLICY, () => 0.5)).toBe(50);
  });

  it('waits exactly as long as Retry-After asks, and not at all when it asks for more than the cap or the time left', () => {
    const f = { kind: 'http' as const, status: 429, retryable: true, unhealthy: false, retryAfterMs: 2000 };
    expect(retryDelay(1, f, 60_000, 100, POLICY, () => 0.5)).toBe(2000);
    expect(retryDelay(1, { ...f, retryAfterMs: 11_000 }, 60_000, 100, POLICY, () => 0.5)).toBeNull();
    expect(retryDelay(1, f, 2050, 100, POLICY, () => 0.5)).toBeNull();
  });
});

describe('Upstream retries', () => {
  it('retries a read on 503, 502, 504 and a network error, then answers', async () => {
    const { fake, clock, read, events } = setup();
    fake.on('GET', '/get', replies({ status: 503 }, { status: 502 }, { json: { ok: 1 } }));
    expect(await read()).toEqual({ ok: 1 });
    expect(fake.requests).toHaveLength(3);
    expect(clock.waits).toEqual([50, 100]);
    expect(events.filter((e) => e.startsWith('retry'))).toEqual(['retry prod mlflow.runs.get 503', 'retry prod mlflow.runs.get 502']);

    const again = setup();
    again.fake.on('GET', '/get', replies(new TypeError('fetch failed'), { status: 504 }, { json: { ok: 2 } }));
    expect(await again.read()).toEqual({ ok: 2 });
    expect(again.calls.calls.map((c) => c.outcome)).toEqual(['unreachable', 'http_error', 'ok']);
  });

  it('makes at most 3 attempts, then fails with UPSTREAM_UNAVAILABLE naming the source', async () => {
    const { fake, read } = setup();
    fake.on('GET', '/get', { status: 503, json: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'db pool exhausted at 10.0.0.7' } });
    const e = await failure(read());
    expect(fake.requests).toHaveLength(3);
    expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'prod', upstreamStatus: 503 });
    expect(e.message).not.toContain('10.0.0.7');
  });

  it('does not retry a 500, a 4xx or a body that is not JSON', async () => {
    for (const [reply, code] of [
      [{ status: 500 }, 'UPSTREAM_ERROR'],
      [{ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } }, 'NOT_FOUND'],
      [{ status: 200, text: '<html>' }, 'UPSTREAM_ERROR'],
    ] as const) {
      const { fake, read } = setup();
      fake.on('GET', '/get', reply);
      expect((await failure(read())).code).toBe(code);
      expect(fake.requests).toHaveLength(1);
    }
  });

  it('honours Retry-After on a 429 and gives up at once when it asks for more than the cap', async () => {
    const { fake, clock, read } = setup();
    fake.on('GET', '/get', replies({ status: 429, headers: { 'retry-after': '2' } }, { json: { ok: 1 } }));
    expect(await read()).toEqual({ ok: 1 });
    expect(clock.waits).toEqual([2000]);

    const late = setup();
    late.fake.on('GET', '/get', { status: 429, headers: { 'retry-after': '60' } });
    expect((await failure(late.read())).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(late.fake.requests).toHaveLength(1);
  });

  it('never retries a write, whatever the failure', async () => {
    for (const reply of [{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, new TypeError('fetch failed')]) {
      const { fake, write } = setup();
      fake.on('POST', '/update', reply);
      expect((await failure(write())).code).toBe('UPSTREAM_UNAVAILABLE');
      expect(fake.requests).toHaveLength(1);
    }
  });

  it('retries GET downloads but not other streams, nor reads the cache does not know', async () => {
    const { fake, upstream } = setup();
    fake.on('GET', '/file', replies({ status: 503 }, { status: 200, json: 'bytes' })).on('POST', '/file', { status: 503 }).on('POST', '/other', { status: 503 });
    expect((await upstream.stream('mlflow.artifacts.download', { method: 'GET', path: '/file' })).status).toBe(200);
    await failure(upstream.stream('mlflow.artifacts.upload', { method: 'POST', path: '/file' }));
    await failure(upstream.json('mlflow.something.new', { method: 'POST', path: '/other' }));
    expect(fake.paths()).toEqual(['GET /file', 'GET /file', 'POST /file', 'POST /other']);
  });

  it('keeps every retry within the read deadline: a read with 900 ms left makes no retry that could not be answered', async () => {
    const { fake, clock, read } = setup({ retry: { deadlineMs: 1000 } });
    fake.on('GET', '/get', () => {
      clock.t += 900;
      return { status: 503 };
    });
    await failure(read());
    expect(fake.requests).toHaveLength(1);
  });
});

describe('retry budget', () => {
  it('lets retries add 20 % of first attempts on top of a floor per 10 s', () => {
    let t = 0;
    const budget = new RetryBudget({ percent: 20, minPer10s: 2 }, () => t);
    expect([budget.withdraw(), budget.withdraw(), budget.withdraw()]).toEqual([true, true, false]);
    for (let i = 0; i < 4; i++) budget.deposit();
    expect(budget.withdraw()).toBe(false);
    budget.deposit();
    expect([budget.withdraw(), budget.withdraw()]).toEqual([true, false]);
    t += 5000;
    expect([budget.withdraw(), budget.withdraw()]).toEqual([true, false]);
    // Never more saved up than the floor.
    t += 60_000;
    expect([budget.withdraw(), budget.withdraw(), budget.withdraw()]).toEqual([true, true, false]);
  });

  it('stops retrying reads once spent, so an outage costs first attempts plus the budget', async () => {
    const { fake, clock, read, events } = setup({ budget: { percent: 20, minPer10s: 2 } });
    // No backoff, so no time passes and the floor does not refill.
    clock.random = () => 0;
    fake.on('GET', '/get', { status: 503 });
    for (let i = 0; i < 10; i++) await failure(read());
    // 10 first attempts, the 2 retries saved up, and 1 earned by the 5 first attempts after those.
    expect(fake.requests).toHaveLength(13);
    expect(events.filter((e) => e === 'budget prod')).toHaveLength(9);
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failures, fails fast without calling, then lets one probe through after the cool-down', async () => {
    const { fake, clock, read, calls, events } = setup({ retry: { attempts: 1 }, breaker: { failures: 3, cooldownMs: 1000 } });
    let down = true;
    fake.on('GET', '/get', () => (down ? new TypeError('fetch failed') : { json: { ok: 1 } }));
    for (let i = 0; i < 3; i++) await failure(read());
    expect(events).toContain('prod open');
    const fast = await failure(read());
    expect(fast.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'prod', circuit: 'open' });
    expect(fast.message).toBe("MLflow source 'prod' is unavailable: its recent calls failed, and the gateway calls it again in 1 s.");
    expect(calls.count()).toBe(3);

    clock.t += 999;
    await failure(read());
    expect(calls.count()).toBe(3);
    clock.t += 1;
    // The probe fails: open again, for a whole new cool-down.
    await failure(read());
    expect(calls.count()).toBe(4);
    await failure(read());
    expect(calls.count()).toBe(4);

    down = false;
    clock.t += 1000;
    expect(await read()).toEqual({ ok: 1 });
    expect(await read()).toEqual({ ok: 1 });
    expect(calls.count()).toBe(6);
    expect(events.filter((e) => e.startsWith('prod '))).toEqual(['prod closed', 'prod open', 'prod half_open', 'prod open', 'prod half_open', 'prod closed']);
    expect(events.filter((e) => e === 'rejected prod')).toHaveLength(3);
  });

  it('lets one probe at a time through while half-open', () => {
    let t = 0;
    const breaker = new CircuitBreaker({ failures: 1, cooldownMs: 10 }, () => t);
    expect(breaker.admit()).toBe('call');
    breaker.failed('call');
    expect(breaker.admit()).toBeNull();
    t = 10;
    expect(breaker.admit()).toBe('probe');
    expect(breaker.admit()).toBeNull();
    // A probe that never reached the upstream frees the slot without deciding anything.
    breaker.released('probe');
    expect(breaker.admit()).toBe('probe');
    breaker.succeeded('probe');
    expect(breaker.current).toBe('closed');
  });

  it('counts an answer that is not a failure (404, 400) as health, which resets the count', async () => {
    const { fake, read, events } = setup({ retry: { attempts: 1 }, breaker: { failures: 2 } });
    fake.on('GET', '/get', replies({ status: 503 }, { status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } }, { status: 503 }, { status: 500 }));
    for (let i = 0; i < 3; i++) await failure(read());
    expect(events).not.toContain('prod open');
    await failure(read());
    expect(events).toContain('prod open');
  });

  it('stops retrying a read as soon as its own failures open the breaker', async () => {
    const { fake, read } = setup({ breaker: { failures: 2 } });
    fake.on('GET', '/get', { status: 503 });
    await failure(read());
    expect(fake.requests).toHaveLength(2);
  });
});
