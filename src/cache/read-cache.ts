import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import { GatewayError } from '../errors';
import type { Logger } from '../logger';
import { currentScope, requestScope } from '../request-scope';

/** A cache that is slow is as good as none: give up on it after this long. */
const CACHE_DEADLINE_MS = 250;

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

function withDeadline<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('cache deadline')), CACHE_DEADLINE_MS);
    timer.unref();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** What metrics want to know of each lookup, by source. */
export interface CacheObserver {
  lookup(source: string, result: 'hit' | 'miss'): void;
  /** An expired entry answered because the source was unavailable. */
  stale(source: string): void;
}

export interface ReadCacheOptions {
  /** Entries are kept this many times their TTL, to answer with when the source is unavailable; 1: never. */
  keepFactor?: number;
  observer?: CacheObserver;
}

/** What is stored: the answer and when, so an entry past its TTL can still serve as a stale answer. */
interface Entry<T> {
  value: T;
  storedAt: number;
}

const isEntry = <T>(x: unknown): x is Entry<T> => typeof x === 'object' && x !== null && 'value' in x && typeof (x as { storedAt?: unknown }).storedAt === 'number';

/**
 * Upstream reads shared across requests (and replicas, with Redis): keyed by principal, source,
 * the credentials used (hashed) and the exact request, so nobody is served what their own
 * credentials would not fetch. Identical reads in flight are made once. A cache that fails or
 * stalls is a miss, never an error.
 */
export class ReadCache {
  private readonly inflight = new Map<string, Promise<{ value: unknown; stale: boolean }>>();
  private readonly keepFactor: number;

  constructor(
    private readonly kv: Keyv,
    private readonly logger: Logger,
    private readonly opts: ReadCacheOptions = {},
  ) {
    this.keepFactor = Math.max(1, opts.keepFactor ?? 10);
  }

  /**
   * Writes make a source's cached reads unreachable by moving its generation, which lives in the
   * shared store so every replica sees it. A request reads each generation once.
   */
  private async generation(source: string): Promise<string> {
    const scope = currentScope();
    const known = scope.generations?.get(source);
    if (known !== undefined) return known;
    const gen = (await this.safe(() => this.kv.get<string>(`mlg:gen:${source}`))) ?? '0';
    scope.generations?.set(source, gen);
    return gen;
  }

  /** After a write to `source`: nothing cached before it is served again, here or on other replicas. */
  async invalidate(source: string): Promise<void> {
    const gen = `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
    await this.safe(() => this.kv.set(`mlg:gen:${source}`, gen));
    currentScope().generations?.set(source, gen);
  }

  async key(parts: { source: string; credentials: string; op: string; request: string }): Promise<string> {
    const { principal } = currentScope();
    const gen = await this.generation(parts.source);
    return `mlg:${hash(principal)}:${parts.source}.${gen}:${hash(parts.credentials)}:${parts.op}:${hash(parts.request)}`;
  }

  /**
   * A fresh entry, else `load()`. When that fails with UPSTREAM_UNAVAILABLE and an expired entry of
   * this very key is still kept, it answers instead, and the request is marked stale (see
   * RequestScope.stale). Callers that asked for fresh data (`no-cache`) get the failure.
   */
  async through<T>(key: string, ttlMs: number, load: () => Promise<T>, label: { source: string; op: string } = { source: 'unknown', op: 'unknown' }): Promise<T> {
    let run = this.inflight.get(key);
    if (!run) {
      run = this.read(key, ttlMs, load, label);
      this.inflight.set(key, run);
      const done = () => this.inflight.delete(key);
      run.then(done, done);
    }
    const { value, stale } = await run;
    // Coalesced callers share the answer, so each marks its own request.
    const scope = requestScope.getStore();
    if (stale && scope) (scope.stale ??= new Set()).add(label.source);
    return value as T;
  }

  private async read<T>(key: string, ttlMs: number, load: () => Promise<T>, label: { source: string; op: string }): Promise<{ value: unknown; stale: boolean }> {
    const fresh = currentScope().fresh;
    const kept = fresh ? undefined : await this.safe(() => this.kv.get<unknown>(key));
    const entry = isEntry<T>(kept) ? kept : undefined;
    if (entry && Date.now() - entry.storedAt < ttlMs) {
      this.opts.observer?.lookup(label.source, 'hit');
      return { value: entry.value, stale: false };
    }
    this.opts.observer?.lookup(label.source, 'miss');
    let value: T;
    try {
      value = await load();
    } catch (e) {
      if (!entry || !(e instanceof GatewayError) || e.code !== 'UPSTREAM_UNAVAILABLE') throw e;
      this.opts.observer?.stale(label.source);
      this.logger.warn('source unavailable; answering with a stale read', { source: label.source, op: label.op, ageMs: Date.now() - entry.storedAt });
      return { value: entry.value, stale: true };
    }
    const stored: Entry<T> = { value, storedAt: Date.now() };
    await this.safe(() => this.kv.set(key, stored, ttlMs * this.keepFactor));
    return { value, stale: false };
  }

  private async safe<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withDeadline(op());
    } catch (e) {
      this.logger.warn('cache unavailable; reading upstream', { error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }

  /** Bounded: a store that never connected must not hold up shutdown. */
  disconnect(): Promise<void> {
    return withDeadline(this.kv.disconnect()).catch(() => undefined);
  }
}
