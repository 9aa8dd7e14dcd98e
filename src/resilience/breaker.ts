export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failed calls that open the breaker. */
  failures: number;
  /** How long it stays open before one probe call may test the upstream. */
  cooldownMs: number;
  onChange?: (state: BreakerState) => void;
}

/** An admitted call; a probe is the single call let through while half-open. */
export type Admission = 'call' | 'probe';

/**
 * A circuit breaker per source. Closed: calls go through, and `failures` consecutive failures open
 * it. Open: calls fail fast without reaching the upstream. After the cool-down it is half-open: one
 * probe goes through; its success closes the breaker, its failure opens it for another cool-down.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): BreakerState {
    return this.state;
  }

  /** Whether a call may go upstream now, and as what; `null`: fail fast. */
  admit(): Admission | null {
    if (this.state === 'closed') return 'call';
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.opts.cooldownMs) return null;
      this.set('half_open');
    }
    if (this.probing) return null;
    this.probing = true;
    return 'probe';
  }

  /** The upstream answered (any answer that is not a failure, a 404 included). */
  succeeded(admission: Admission): void {
    if (admission === 'probe') this.probing = false;
    // A late answer to a call made before the breaker opened proves little; the probe decides.
    if (this.state === 'open') return;
    this.consecutive = 0;
    this.set('closed');
  }

  failed(admission: Admission): void {
    if (admission === 'probe') {
      this.probing = false;
      return this.open();
    }
    // Already open or probing: a late failure of an earlier call changes nothing.
    if (this.state !== 'closed') return;
    this.consecutive += 1;
    if (this.consecutive >= this.opts.failures) this.open();
  }

  /** The call ended without saying anything about the upstream (it never reached it). */
  released(admission: Admission): void {
    if (admission === 'probe') this.probing = false;
  }

  /** Until the next probe may go, while open. */
  retryInMs(): number {
    return this.state === 'open' ? Math.max(0, this.opts.cooldownMs - (this.now() - this.openedAt)) : 0;
  }

  private open(): void {
    this.openedAt = this.now();
    this.consecutive = 0;
    this.set('open');
  }

  private set(state: BreakerState): void {
    if (state === this.state) return;
    this.state = state;
    this.opts.onChange?.(state);
  }
}
