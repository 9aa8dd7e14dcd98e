import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Router, type RequestHandler } from 'express';
import type { CacheObserver } from '../cache/read-cache';
import type { BreakerState } from '../resilience/breaker';
import type { ResilienceObserver } from '../resilience/guard';
import type { CallRecorder } from '../sources/upstream';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The gateway's Prometheus metrics, in a registry of the app's own (tests build many apps). Upstream
 * figures come from the CallRecorder every call already reports to; cache and resilience figures
 * from their observers.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Histogram({ name: 'mlgate_request_duration_seconds', help: 'Requests by GraphQL operation type (query, mutation, invalid) or download route (export, files).', labelNames: ['operation'], buckets: SECONDS, registers: [this.registry] });
  private readonly errors = new Counter({ name: 'mlgate_errors_total', help: 'Errors sent to clients in GraphQL responses, by extensions.code.', labelNames: ['code'], registers: [this.registry] });
  private readonly calls = new Counter({ name: 'mlgate_upstream_calls_total', help: 'Upstream calls (each attempt) by source, operation and outcome (ok, http_error, unreachable, timeout, aborted).', labelNames: ['source', 'op', 'outcome'], registers: [this.registry] });
  private readonly callSeconds = new Histogram({ name: 'mlgate_upstream_duration_seconds', help: 'Upstream call latency until the response headers, by source and operation.', labelNames: ['source', 'op'], buckets: SECONDS, registers: [this.registry] });
  private readonly rateLimited = new Counter({ name: 'mlgate_upstream_rate_limited_total', help: 'HTTP 429 answers by source.', labelNames: ['source'], registers: [this.registry] });
  private readonly cacheLookups = new Counter({ name: 'mlgate_cache_lookups_total', help: 'Shared cache lookups by source and result (hit, miss); coalesced reads count once.', labelNames: ['source', 'result'], registers: [this.registry] });
  private readonly staleServed = new Counter({ name: 'mlgate_cache_stale_served_total', help: 'Expired cache entries answered with because their source was unavailable.', labelNames: ['source'], registers: [this.registry] });
  private readonly breaker = new Gauge({ name: 'mlgate_breaker_state', help: 'Circuit breaker per source: 0 closed, 1 half-open, 2 open.', labelNames: ['source'], registers: [this.registry] });
  private readonly rejected = new Counter({ name: 'mlgate_upstream_rejected_total', help: 'Calls failed fast by an open breaker, without reaching the upstream.', labelNames: ['source'], registers: [this.registry] });
  private readonly retries = new Counter({ name: 'mlgate_upstream_retries_total', help: 'Read retries by source, operation and the failure retried (status, timeout, unreachable).', labelNames: ['source', 'op', 'reason'], registers: [this.registry] });
  private readonly budgetExhausted = new Counter({ name: 'mlgate_retry_budget_exhausted_total', help: 'Retries not made because the source retry budget was spent.', labelNames: ['source'], registers: [this.registry] });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  readonly recorder: CallRecorder = {
    record: (call) => {
      this.calls.inc({ source: call.source, op: call.op, outcome: call.outcome });
      this.callSeconds.observe({ source: call.source, op: call.op }, call.durationMs / 1000);
      if (call.status === 429) this.rateLimited.inc({ source: call.source });
    },
  };

  readonly cache: CacheObserver = {
    lookup: (source, result) => this.cacheLookups.inc({ source, result }),
    stale: (source) => this.staleServed.inc({ source }),
  };

  readonly resilience: ResilienceObserver = {
    retried: (source, op, reason) => this.retries.inc({ source, op, reason }),
    budgetExhausted: (source) => this.budgetExhausted.inc({ source }),
    rejected: (source) => this.rejected.inc({ source }),
    breakerChanged: (source, state) => this.breaker.set({ source }, BREAKER_VALUE[state]),
  };

  observeRequest(operation: string, seconds: number): void {
    this.requests.observe({ operation }, seconds);
  }

  countError(code: string): void {
    this.errors.inc({ code });
  }

  /** Times the download routes; GraphQL requests are timed by the plugin, which knows the operation type. */
  downloads(): RequestHandler {
    return (req, res, next) => {
      const route = /^\/(export|files)\//.exec(req.path)?.[1];
      if (route) {
        const started = performance.now();
        res.once('close', () => this.observeRequest(route, (performance.now() - started) / 1000));
      }
      next();
    };
  }

  /** `GET /metrics`: Prometheus' text format. */
  router(): Router {
    const router = Router();
    router.get('/metrics', async (_req, res) => {
      res.type(this.registry.contentType).send(await this.registry.metrics());
    });
    return router;
  }
}
