import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import { gatewayError } from '../errors';
import type { Logger } from '../logger';

/** Longer than any read-modify-write takes (two upstream calls with their deadlines). */
const LOCK_TTL_MS = 60_000;
const WAIT_LIMIT_MS = 90_000;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Serialises read-modify-writes of one run: in this process with a promise chain per key, and
 * across replicas with a Redis lock (SET NX PX, released only by its holder) when Redis is
 * configured. Without Redis, replicas do not see each other's locks: run one writer replica.
 */
export class RunLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  private redis: ReturnType<typeof createClient> | null = null;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly redisUrl: string | null,
    private readonly logger: Logger,
  ) {}

  async with<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.acrossReplicas(key, work));
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private async client(): Promise<ReturnType<typeof createClient> | null> {
    if (!this.redisUrl) return null;
    if (!this.redis) {
      this.redis = createClient({ url: this.redisUrl, socket: { connectTimeout: 2000, reconnectStrategy: (n) => Math.min(n * 200, 2000) } });
      this.redis.on('error', (e: unknown) => this.logger.warn('write lock store error', { error: e instanceof Error ? e.message : String(e) }));
      this.connecting = this.redis.connect().then(() => undefined);
    }
    await this.connecting;
    return this.redis;
  }

  private async acrossReplicas<T>(key: string, work: () => Promise<T>): Promise<T> {
    let redis;
    try {
      redis = await this.client();
    } catch {
      // A write must not be lost to a lock store that is down, nor be done unserialised: refuse it.
      throw gatewayError('UPSTREAM_UNAVAILABLE', 'The write lock store (Redis) is unavailable; nothing was written.');
    }
    if (!redis) return work();
    const token = randomUUID();
    const name = `mlg:lock:${key}`;
    const started = Date.now();
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      if ((await redis.set(name, token, { NX: true, PX: LOCK_TTL_MS })) === 'OK') break;
      if (Date.now() - started > WAIT_LIMIT_MS) throw gatewayError('UPSTREAM_UNAVAILABLE', 'Another write to this run did not finish in time; nothing was written.');
      await new Promise((ok) => setTimeout(ok, wait + Math.random() * wait));
    }
    try {
      return await work();
    } finally {
      await redis.eval(RELEASE, { keys: [name], arguments: [token] }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
