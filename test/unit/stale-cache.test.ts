import Keyv from 'keyv';
import { ReadCache } from '../../src/cache/read-cache';
import { gatewayError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { requestScope, type RequestScope } from '../../src/request-scope';

const TTL = 20;
const KEY_PARTS = { source: 'mlflow', credentials: 'Bearer abc', op: 'mlflow.runs.get', request: 'GET /runs/get?run_id=1' };
const LABEL = { source: 'mlflow', op: 'mlflow.runs.get' };
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const down = () => Promise.reject(gatewayError('UPSTREAM_UNAVAILABLE', "MLflow source 'mlflow' is unreachable.", { source: 'mlflow' }));

function cacheWith(keepFactor = 10) {
  const seen: string[] = [];
  const cache = new ReadCache(new Keyv(), createLogger('silent'), {
    keepFactor,
    observer: { lookup: (s, r) => seen.push(`${r} ${s}`), stale: (s) => seen.push(`stale ${s}`) },
  });
  const scopes: RequestScope[] = [];
  const read = <T>(load: () => Promise<T>, over: Partial<RequestScope> = {}) => {
    const scope: RequestScope = { principal: 'alice', fresh: false, generations: new Map(), ...over };
    scopes.push(scope);
    return requestScope.run(scope, async () => cache.through(await cache.key(KEY_PARTS), TTL, load, LABEL));
  };
  return { cache, read, seen, scopes };
}

describe('stale answers from the read cache', () => {
  it('answers with an expired entry of the same key when the source is unavailable, and marks the request', async () => {
    const { read, seen, scopes } = cacheWith();
    expect(await read(async () => ({ n: 1 }))).toEqual({ n: 1 });
    expect(await read(down)).toEqual({ n: 1 });
    expect(scopes[1]?.stale).toBeUndefined();
    await pause(TTL + 10);
    expect(await read(down)).toEqual({ n: 1 });
    expect([...(scopes[2]?.stale ?? [])]).toEqual(['mlflow']);
    expect(seen).toEqual(['miss mlflow', 'hit mlflow', 'miss mlflow', 'stale mlflow']);
    // Once the source answers again, its answer replaces the stale one.
    expect(await read(async () => ({ n: 2 }))).toEqual({ n: 2 });
    expect(scopes[3]?.stale).toBeUndefined();
  });

  it('never answers with another principal’s entry, after other errors, or to a caller who asked for fresh data', async () => {
    const { read } = cacheWith();
    await read(async () => ({ n: 1 }));
    await pause(TTL + 10);
    await expect(read(down, { principal: 'bob' })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(read(() => Promise.reject(gatewayError('UPSTREAM_ERROR', 'failed (HTTP 500).')))).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    await expect(read(down, { fresh: true })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('keeps nothing past its TTL when the keep factor is 1', async () => {
    const { read } = cacheWith(1);
    await read(async () => ({ n: 1 }));
    await pause(TTL + 10);
    await expect(read(down)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('marks every coalesced request that shared a stale answer', async () => {
    const { read, scopes } = cacheWith();
    await read(async () => ({ n: 1 }));
    await pause(TTL + 10);
    const slowDown = () => pause(10).then(down);
    expect(await Promise.all([read(slowDown), read(slowDown)])).toEqual([{ n: 1 }, { n: 1 }]);
    expect(scopes.slice(1).map((s) => [...(s.stale ?? [])])).toEqual([['mlflow'], ['mlflow']]);
  });
});
