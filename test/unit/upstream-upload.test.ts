import { GatewayError } from '../../src/errors';
import { Resilience } from '../../src/resilience/guard';
import type { ReadCache } from '../../src/cache/read-cache';
import { errorFromResponse } from '../../src/sources/mlflow/mlflow-client';
import { CallLog, UploadAborted, Upstream, type FetchFn } from '../../src/sources/upstream';

const IDLE_MS = 300;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** A source that reads the body as it arrives (honouring the abort signal), then answers `status`. */
function readingFetch(status: number, seen: { bytes: number; headers?: Record<string, string> }): FetchFn {
  return async (_url, init) => {
    seen.headers = init?.headers as Record<string, string>;
    const reader = (init?.body as ReadableStream<Uint8Array>).getReader();
    const aborted = new Promise<never>((_, reject) => init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    for (;;) {
      const { value, done } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      seen.bytes += value.length;
    }
    return new Response('{}', { status });
  };
}

/** The body: `chunks` chunks of `size` bytes, one every `everyMs`; then it ends, or stalls for good. */
function slowBody(chunks: number, size: number, everyMs: number, stall = false): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (sent === chunks) {
        if (stall) await new Promise(() => undefined);
        return ctrl.close();
      }
      await sleep(everyMs);
      sent++;
      ctrl.enqueue(new Uint8Array(size));
    },
  });
}

function setup(fetch: FetchFn) {
  const calls = new CallLog();
  const invalidated: string[] = [];
  const cache = { invalidate: async (source: string) => void invalidated.push(source) } as unknown as ReadCache;
  const resilience = new Resilience({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 10, deadlineMs: null }, budget: { percent: 100, minPer10s: 100 }, breaker: { failures: 100, cooldownMs: 1000 } });
  const upstream = new Upstream({
    source: 'prod',
    label: 'MLflow',
    baseUrl: 'http://mlflow.test',
    headers: { authorization: 'Bearer secret-token' },
    timeoutMs: IDLE_MS,
    fetch,
    recorder: calls,
    cache,
    resilience,
    errorFromResponse: (status, body) => errorFromResponse('prod', status, body),
  });
  return { upstream, calls, invalidated };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('Upstream.upload', () => {
  it('streams a body that takes far longer than the deadline while bytes keep moving, with its Content-Length; one call, cache dropped', async () => {
    const seen: { bytes: number; headers?: Record<string, string> } = { bytes: 0 };
    const { upstream, calls, invalidated } = setup(readingFetch(200, seen));
    // 12 chunks 100 ms apart: 1.2 s in all, four times the idle deadline.
    await upstream.upload('mlflow.artifacts.upload', { method: 'PUT', path: '/put', body: slowBody(12, 1000, 100), length: 12_000 });
    expect(seen.bytes).toBe(12_000);
    expect(seen.headers).toMatchObject({ 'content-length': '12000', authorization: 'Bearer secret-token' });
    expect(calls.calls.map((c) => [c.op, c.method, c.outcome])).toEqual([['mlflow.artifacts.upload', 'PUT', 'ok']]);
    expect(invalidated).toEqual(['prod']);
  });

  it('is never retried: a 503 fails once, and the cache is still dropped', async () => {
    const { upstream, calls, invalidated } = setup(readingFetch(503, { bytes: 0 }));
    const e = await failure(upstream.upload('mlflow.artifacts.upload', { method: 'PUT', path: '/put', body: slowBody(1, 10, 0), length: 10 }));
    expect((e as GatewayError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls.count()).toBe(1);
    expect(invalidated).toEqual(['prod']);
  });

  it('gives up on a source that stops taking bytes for the idle deadline: UPSTREAM_UNAVAILABLE, recorded as a timeout', async () => {
    const hung: FetchFn = (_url, init) => new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const { upstream, calls } = setup(hung);
    const e = await failure(upstream.upload('mlflow.artifacts.upload', { method: 'PUT', path: '/put', body: slowBody(1, 10, 0), length: 10 }));
    expect((e as GatewayError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((e as GatewayError).message).not.toMatch(/secret-token/);
    expect(calls.calls.map((c) => c.outcome)).toEqual(['timeout']);
  });

  it('blames a caller who stops sending: BAD_USER_INPUT, not the source', async () => {
    const { upstream, calls } = setup(readingFetch(200, { bytes: 0 }));
    const e = await failure(upstream.upload('mlflow.artifacts.upload', { method: 'PUT', path: '/put', body: slowBody(2, 10, 10, true), length: 100 }));
    expect((e as GatewayError).code).toBe('BAD_USER_INPUT');
    expect(calls.calls.map((c) => c.outcome)).toEqual(['aborted']);
  });

  it('aborts the upstream request when the caller goes away', async () => {
    const seen = { bytes: 0 };
    const { upstream, calls } = setup(readingFetch(200, seen));
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 150);
    const e = await failure(upstream.upload('mlflow.artifacts.upload', { method: 'PUT', path: '/put', body: slowBody(10, 10, 50), length: 100, signal: gone.signal }));
    expect(e).toBeInstanceOf(UploadAborted);
    expect(seen.bytes).toBeLessThan(100);
    expect(calls.calls.map((c) => c.outcome)).toEqual(['aborted']);
  });
});
