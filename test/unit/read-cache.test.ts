import Keyv from 'keyv';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BoundedMap } from '../../src/cache/bounded-map';
import { ReadCache } from '../../src/cache/read-cache';
import { createLogger } from '../../src/logger';
import { requestScope } from '../../src/request-scope';

const inRequest = <T>(fn: () => Promise<T>, fresh = false, principal = 'anonymous') =>
  requestScope.run({ principal, fresh, generations: new Map() }, fn);

const KEY_PARTS = { source: 'wandb', credentials: 'Basic abc', op: 'wandb.runs', request: 'POST /graphql {}' };

describe('ReadCache', () => {
  let loads: number;
  const load = async () => ({ n: ++loads });
  beforeEach(() => {
    loads = 0;
  });

  it('serves a second read from the store and loads again once a write moved the source generation', async () => {
    const cache = new ReadCache(new Keyv(), createLogger('silent'));
    const read = () => inRequest(async () => cache.through(await cache.key(KEY_PARTS), 60_000, load));
    expect(await read()).toEqual({ n: 1 });
    expect(await read()).toEqual({ n: 1 });
    await inRequest(() => cache.invalidate('wandb'));
    expect(await read()).toEqual({ n: 2 });
    expect(await read()).toEqual({ n: 2 });
    // Another source's write leaves these entries alone.
    await inRequest(() => cache.invalidate('mlflow'));
    expect(await read()).toEqual({ n: 2 });
  });

  it('sees its own write later in the same request', async () => {
    const cache = new ReadCache(new Keyv(), createLogger('silent'));
    const result = await inRequest(async () => {
      await cache.through(await cache.key(KEY_PARTS), 60_000, load);
      await cache.invalidate('wandb');
      return cache.through(await cache.key(KEY_PARTS), 60_000, load);
    });
    expect(result).toEqual({ n: 2 });
  });

  it('keys differ by principal and by credentials', async () => {
    const cache = new ReadCache(new Keyv(), createLogger('silent'));
    const a = await inRequest(() => cache.key(KEY_PARTS), false, 'alice');
    const b = await inRequest(() => cache.key(KEY_PARTS), false, 'bob');
    const c = await inRequest(() => cache.key({ ...KEY_PARTS, credentials: 'Basic xyz' }), false, 'alice');
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).not.toContain('alice');
    expect(a).not.toContain('abc');
  });

  it('treats a failing store as a miss', async () => {
    const down = () => Promise.reject(new Error('store down'));
    const broken = new Keyv();
    Object.assign(broken, { get: down, set: down });
    const cache = new ReadCache(broken, createLogger('silent'));
    const read = () => inRequest(async () => cache.through(await cache.key(KEY_PARTS), 60_000, load));
    expect(await read()).toEqual({ n: 1 });
    expect(await read()).toEqual({ n: 2 });
  });

  it('skips the stored entry when fresh data is asked for, and stores the new answer', async () => {
    const cache = new ReadCache(new Keyv(), createLogger('silent'));
    const read = (fresh: boolean) => inRequest(async () => cache.through(await cache.key(KEY_PARTS), 60_000, load), fresh);
    await read(false);
    expect(await read(true)).toEqual({ n: 2 });
    expect(await read(false)).toEqual({ n: 2 });
  });

  it('holds at most maxBytes of values in memory, forgetting the least recently written (entries of old generations are never read again)', async () => {
    const store = new BoundedMap<string>(3000);
    const cache = new ReadCache(new Keyv({ store }), createLogger('silent'));
    const big = async () => ({ n: ++loads, pad: 'x'.repeat(400) });
    const read = (request: string) => inRequest(async () => cache.through(await cache.key({ ...KEY_PARTS, request }), 60_000, big));
    for (const r of ['a', 'b', 'c']) await read(r);
    expect((await read('a')).n).toBe(1);
    // About 1 KB an entry: the fourth write pushes out the oldest ('a' was re-read, not re-written).
    await read('d');
    expect(store.size).toBe(3);
    expect(store.heldBytes).toBeLessThanOrEqual(3000);
    expect((await read('b')).n).toBe(2);
    expect((await read('a')).n).toBe(5);
    expect(loads).toBe(5);
  });

  it('holds values as flat strings: the memory it retains stays within its bound, though keyv builds values piece by piece', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const bound = 8 << 20;
    const store = new BoundedMap<string>(bound);
    const keyv = new Keyv({ store });
    // Summaries of many small keys, as runs have: keyv's serialiser appends them one by one.
    const value = (n: number) => Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`metric_${i}`, n + i / 1000]));
    const before = retained();
    for (let n = 0; n < 2000; n++) await keyv.set(`k${n}`, value(n));
    const grown = retained() - before;
    expect(store.heldBytes).toBeLessThanOrEqual(bound);
    expect(store.heldBytes).toBeGreaterThan(bound * 0.9);
    // Held as ropes these entries took about 4 times the bound; flat, a little under it.
    expect(grown).toBeLessThan(bound * 1.25);
    expect(await keyv.get('k1999')).toEqual(value(1999));
  });
});
