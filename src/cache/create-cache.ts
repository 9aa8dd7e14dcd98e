import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { Logger } from '../logger';
import { BoundedMap } from './bounded-map';
import { ReadCache, type ReadCacheOptions } from './read-cache';

/** Redis when `redisUrl` is set (shared by replicas), else memory in this process, holding at most `maxBytes`. */
export function createReadCache(redisUrl: string | null, logger: Logger, opts: ReadCacheOptions = {}, maxBytes = 64 * 2 ** 20): ReadCache {
  const kv = redisUrl
    ? new Keyv({ store: new KeyvRedis(redisUrl, { throwOnConnectError: false, connectionTimeout: 1000 }), namespace: 'mlgate', useKeyPrefix: false })
    : new Keyv({ store: new BoundedMap<string>(maxBytes), namespace: 'mlgate' });
  // Keyv reports store failures as events; ReadCache already treats them as misses.
  kv.on('error', (e: unknown) => logger.warn('cache error', { error: e instanceof Error ? e.message : String(e) }));
  return new ReadCache(kv, logger, opts);
}
