import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { Logger } from '../logger';
import { ReadCache, type ReadCacheOptions } from './read-cache';

/** Redis when `redisUrl` is set (shared by replicas), else memory in this process. */
export function createReadCache(redisUrl: string | null, logger: Logger, opts: ReadCacheOptions = {}): ReadCache {
  const kv = redisUrl
    ? new Keyv({ store: new KeyvRedis(redisUrl, { throwOnConnectError: false, connectionTimeout: 1000 }), namespace: 'mlgate', useKeyPrefix: false })
    : new Keyv({ namespace: 'mlgate' });
  // Keyv reports store failures as events; ReadCache already treats them as misses.
  kv.on('error', (e: unknown) => logger.warn('cache error', { error: e instanceof Error ? e.message : String(e) }));
  return new ReadCache(kv, logger, opts);
}
