import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import type { Logger } from '../logger';
import { currentScope } from '../request-scope';

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

/**
 * Upstream reads shared across requests (and replicas, with Redis): keyed by principal, source,
 * the credentials used (hashed) and the exact request, so nobody is served what their own
 * credentials would not fetch. Identical reads in flight are made once. A cache that fails or
 * stalls is a miss, never an error.
 */
export class ReadCache {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly kv: Keyv,
    private readonly logger: Logger,
  ) {}

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

  async through<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const run = (async () => {
      if (!currentScope().fresh) {
        const hit = await this.safe(() => this.kv.get<T>(key));
        if (hit !== undefined && hit !== null) return hit;
      }
      const value = await load();
      await this.safe(() => this.kv.set(key, value, ttlMs));
      return value;
    })();
    this.inflight.set(key, run);
    try {
      return await run;
    } finally {
      this.inflight.delete(key);
    }
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
