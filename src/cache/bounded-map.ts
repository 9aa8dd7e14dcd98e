/**
 * The in-memory store behind keyv: a Map that forgets its least recently written entries once the
 * values it holds pass `maxBytes`. Keyv's own memory store drops an expired entry only when it is
 * read again, and the cache's keys change with every write (the source's generation is part of the
 * key), so most entries are never read again: unbounded, the map grew for as long as the gateway ran
 * (700 MB of heap in a two-minute load run).
 */
export class BoundedMap<K> extends Map<K, unknown> {
  private bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  /** Keyv hands the store serialised strings; JavaScript keeps them at up to 2 bytes a character. */
  private static sizeOf(value: unknown): number {
    return typeof value === 'string' ? value.length * 2 : 64;
  }

  /**
   * Keyv's serialiser builds its string with `+=`, which V8 keeps as a rope: a 32-byte node per
   * piece, about four times the characters (a load run held 1.4 million such nodes under a 64 MB
   * bound). Copying through a Buffer stores one flat string, which the bound then counts truly.
   */
  private static flat(value: unknown): unknown {
    return typeof value === 'string' ? Buffer.from(value, 'utf8').toString('utf8') : value;
  }

  override set(key: K, value: unknown): this {
    // Re-inserting moves a key to the young end, so eviction takes the least recently written.
    this.delete(key);
    super.set(key, BoundedMap.flat(value));
    this.bytes += BoundedMap.sizeOf(value);
    for (const oldest of this.keys()) {
      if (this.bytes <= this.maxBytes || this.size <= 1) break;
      this.delete(oldest);
    }
    return this;
  }

  override delete(key: K): boolean {
    if (!this.has(key)) return false;
    this.bytes -= BoundedMap.sizeOf(this.get(key));
    return super.delete(key);
  }

  override clear(): void {
    this.bytes = 0;
    super.clear();
  }

  /** What the held values take, as counted for the bound. */
  get heldBytes(): number {
    return this.bytes;
  }
}
