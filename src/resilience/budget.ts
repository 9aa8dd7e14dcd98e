export interface RetryBudgetOptions {
  /** Retries may add this share of first attempts on top of them (20: at most 20 % more calls). */
  percent: number;
  /** Retries always allowed per 10 s, so a quiet gateway still retries; also the most saved up. */
  minPer10s: number;
}

const WINDOW_MS = 10_000;

/**
 * A token bucket per source: every first attempt deposits `percent / 100` of a token, time deposits
 * `minPer10s` per 10 s, and every retry spends a whole one. During an outage retries therefore add
 * at most a fixed share to the load instead of multiplying it by the attempt count.
 */
export class RetryBudget {
  private tokens: number;
  private readonly capacity: number;
  private last: number;

  constructor(
    private readonly opts: RetryBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.max(1, opts.minPer10s);
    this.tokens = opts.minPer10s;
    this.last = now();
  }

  /** A first attempt is being made. */
  deposit(): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + this.opts.percent / 100);
  }

  /** Takes a token for a retry; `false` when the budget is spent. */
  withdraw(): boolean {
    this.refill();
    // The epsilon absorbs float error: five deposits of 0.2 make a whole token.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.opts.minPer10s) / WINDOW_MS);
    this.last = t;
  }
}
