import { gatewayError, type GatewayError } from '../errors';
import type { Logger } from '../logger';
import { CircuitBreaker, type BreakerState } from './breaker';
import { RetryBudget, type RetryBudgetOptions } from './budget';
import { failureOf, retryDelay, type AttemptFailure, type RetryPolicy } from './retry';

export interface ResilienceSettings {
  retry: RetryPolicy;
  budget: RetryBudgetOptions;
  breaker: { failures: number; cooldownMs: number };
}

/** What metrics want to know; every method is called with the source's name. */
export interface ResilienceObserver {
  retried(source: string, op: string, reason: string): void;
  budgetExhausted(source: string): void;
  /** A call failed fast on the open breaker, without reaching the upstream. */
  rejected(source: string): void;
  breakerChanged(source: string, state: BreakerState): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const NO_OBSERVER: ResilienceObserver = { retried() {}, budgetExhausted() {}, rejected() {}, breakerChanged() {} };

/** A retry that cannot get this long to be answered is not worth making. */
const MIN_ATTEMPT_MS = 100;

const reasonOf = (f: AttemptFailure | undefined) => (f?.status !== undefined ? String(f.status) : f?.kind ?? 'unknown');

/** Retries, retry budget and circuit breaker of one source, shared by every call to it. */
export class SourceGuard {
  private readonly breaker: CircuitBreaker;
  private readonly budget: RetryBudget;

  constructor(
    private readonly source: string,
    private readonly label: string,
    private readonly settings: ResilienceSettings,
    private readonly observer: ResilienceObserver,
    private readonly logger: Logger | null,
    private readonly clock: Clock,
  ) {
    this.budget = new RetryBudget(settings.budget, clock.now);
    this.breaker = new CircuitBreaker({ ...settings.breaker, onChange: (state) => this.changed(state) }, clock.now);
    observer.breakerChanged(source, 'closed');
  }

  get state(): BreakerState {
    return this.breaker.current;
  }

  /**
   * Runs `attempt` (one upstream call, given its timeout) under the breaker; when `retry` (reads
   * only), again after retryable failures while attempts, the budget and the read's deadline allow.
   */
  async run<T>(op: string, retry: boolean, timeoutMs: number, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
    const { now } = this.clock;
    const deadline = now() + (retry ? this.settings.retry.deadlineMs ?? 2 * timeoutMs : timeoutMs);
    for (let n = 1; ; n++) {
      const admission = this.breaker.admit();
      if (!admission) {
        this.observer.rejected(this.source);
        throw this.openError();
      }
      if (n === 1) this.budget.deposit();
      try {
        // AbortSignal.timeout() throws on a fractional delay, and the clock is performance.now().
        const value = await attempt(Math.max(1, Math.floor(Math.min(timeoutMs, deadline - now()))));
        this.breaker.succeeded(admission);
        return value;
      } catch (e) {
        const failure = failureOf(e);
        if (!failure) this.breaker.released(admission);
        else if (failure.unhealthy) this.breaker.failed(admission);
        else this.breaker.succeeded(admission);
        const wait = retry ? retryDelay(n, failure, deadline - now(), Math.min(timeoutMs, MIN_ATTEMPT_MS), this.settings.retry, this.clock.random) : null;
        // Once the breaker is not closed, its probe alone decides when to call again.
        if (wait === null || this.breaker.current !== 'closed') throw e;
        if (!this.budget.withdraw()) {
          this.observer.budgetExhausted(this.source);
          throw e;
        }
        this.observer.retried(this.source, op, reasonOf(failure));
        this.logger?.debug('retrying upstream read', { source: this.source, op, attempt: n + 1, reason: reasonOf(failure), waitMs: wait });
        await this.clock.sleep(wait);
      }
    }
  }

  private openError(): GatewayError {
    const seconds = Math.ceil(this.breaker.retryInMs() / 1000);
    const when = this.breaker.current === 'open' ? `calls it again in ${seconds} s` : 'is testing it with one call';
    return gatewayError('UPSTREAM_UNAVAILABLE', `${this.label} source '${this.source}' is unavailable: its recent calls failed, and the gateway ${when}.`, { source: this.source, circuit: 'open' });
  }

  private changed(state: BreakerState): void {
    this.observer.breakerChanged(this.source, state);
    if (state === 'open') this.logger?.warn('upstream circuit open', { source: this.source, cooldownMs: this.settings.breaker.cooldownMs });
    else this.logger?.info(`upstream circuit ${state === 'closed' ? 'closed' : 'half-open'}`, { source: this.source });
  }
}

/** One guard per source name: every connector of a source (W&B's API and its file host) shares it. */
export class Resilience {
  private readonly guards = new Map<string, SourceGuard>();

  constructor(
    private readonly settings: ResilienceSettings,
    private readonly observer: ResilienceObserver = NO_OBSERVER,
    private readonly logger: Logger | null = null,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  forSource(source: string, label: string): SourceGuard {
    let guard = this.guards.get(source);
    if (!guard) {
      guard = new SourceGuard(source, label, this.settings, this.observer, this.logger, this.clock);
      this.guards.set(source, guard);
    }
    return guard;
  }
}
