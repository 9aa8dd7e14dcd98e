/**
 * The in-memory store behind keyv: a Map that forgets its oldest entries beyond `max`. Keyv's own
 * memory store drops an expired entry only when it is read again, and the cache's keys change with
 * every write (the source's generation is part of the key), so most entries are never read again:
 * unbounded, the map grew for as long as the gateway ran.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    // Re-inserting moves a key to the young end, so eviction takes the least recently written.
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    while (this.size > this.max) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    return this;
  }
}
