/**
 * At most `max` tasks at once; the rest wait their turn. A burst of writes is queued in the gateway
 * instead of piling onto the upstream, where each request's deadline would run out in its queue.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((ok) => this.waiting.push(ok));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
