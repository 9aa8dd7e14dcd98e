import { randomUUID } from 'node:crypto';
import { notFound } from '../errors';
import type { Logger } from '../logger';
import type { SourceRegistry } from '../sources';
import type { ImportDestination } from './destination';
import { TERMINAL, type ImportJobModel } from './job-model';
import { JobRunner } from './runner';
import { importSourceOf, type ImportSource } from './source';
import type { JobStore } from './store/store';
import { validateImport, type ImportRequest } from './validate';

export interface ImportSettings {
  /** How long a replica's claim on a job lasts without renewal; a dead replica's jobs are taken over after it. */
  leaseMs: number;
  /** How often unclaimed or orphaned jobs are looked for. */
  pollMs: number;
  /** Jobs one replica runs at once; more wait QUEUED. */
  maxJobs: number;
  historyChunk: number;
  runsPerPage: number;
  pointsPerPage: number;
}

export const DEFAULT_IMPORT_SETTINGS: ImportSettings = { leaseMs: 30_000, pollMs: 10_000, maxJobs: 2, historyChunk: 1000, runsPerPage: 10_000, pointsPerPage: 25_000 };

/** Sources that can be written to carry `importDestination()` (W&B); callers check with this. */
export function importDestinationOf(source: object): ImportDestination | null {
  const s = source as { importDestination?: () => ImportDestination };
  return typeof s.importDestination === 'function' ? s.importDestination() : null;
}

interface Active {
  runner: JobRunner;
  done: Promise<void>;
  timer: NodeJS.Timeout;
}

/**
 * Starts, runs, cancels and resumes import jobs. Jobs run in the background of whichever replica
 * holds their lease; on start (and every `pollMs`) a replica takes QUEUED jobs and RUNNING ones
 * whose lease has expired, which is how a job survives a restart or a dead replica.
 */
export class ImportService {
  private readonly owner = randomUUID();
  private readonly active = new Map<string, Active>();
  private poller: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly store: JobStore,
    private readonly sources: SourceRegistry,
    private readonly logger: Logger,
    private readonly settings: ImportSettings = DEFAULT_IMPORT_SETTINGS,
    /** Test seam: a destination for a source name; where it gives none, the source's own importDestination(). */
    private readonly override: (name: string) => ImportDestination | null = () => null,
  ) {}

  private destinationFor = (name: string): ImportDestination | null => this.override(name) ?? importDestinationOf(this.sources.get(name));

  private sourceFor = (name: string): ImportSource | null =>
    importSourceOf(this.sources.get(name), { runsPerPage: this.settings.runsPerPage, pointsPerPage: this.settings.pointsPerPage });

  /** Picks up unfinished jobs now and keeps looking for orphaned ones. */
  begin(): void {
    void this.pickUp();
    this.poller = setInterval(() => void this.pickUp(), this.settings.pollMs);
    this.poller.unref();
  }

  async startImport(req: ImportRequest): Promise<ImportJobModel> {
    const { spec } = await validateImport(req, this.sources, { source: this.sourceFor, destination: this.destinationFor });
    const job: ImportJobModel = { id: randomUUID(), state: 'QUEUED', spec, createdAt: Date.now(), startedAt: null, endedAt: null, error: null, cancelRequested: false };
    await this.store.createJob(job);
    void this.pickUp();
    return job;
  }

  async get(id: string): Promise<ImportJobModel | null> {
    return this.store.getJob(id);
  }

  async require(id: string): Promise<ImportJobModel> {
    const job = await this.store.getJob(id);
    if (!job) throw notFound(`No import job has id '${id}'.`);
    return job;
  }

  /**
   * A QUEUED job ends at once; a RUNNING one stops after the steps in flight, here or on the
   * replica running it (which sees the request when it renews its lease). An ended job is returned as it is.
   */
  async cancel(id: string): Promise<ImportJobModel> {
    const job = await this.require(id);
    if (TERMINAL.has(job.state)) return job;
    await this.store.requestCancel(id);
    const local = this.active.get(id);
    if (local) {
      local.runner.stop('cancel');
      await local.done;
    } else if (job.state === 'QUEUED' && (await this.store.claim(id, this.owner, Date.now(), Date.now() + this.settings.leaseMs))) {
      await this.store.setState(id, 'CANCELLED', { endedAt: Date.now() });
    }
    return this.require(id);
  }

  private picking: Promise<void> | null = null;

  /** One pick-up at a time, so a job is never launched twice by this replica. */
  private pickUp(): Promise<void> {
    this.picking ??= this.claimJobs()
      .catch((e: unknown) => this.logger.error('import jobs could not be picked up', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => (this.picking = null));
    return this.picking;
  }

  private async claimJobs(): Promise<void> {
    if (this.closed) return;
    for (const id of await this.store.claimable(Date.now())) {
      if (this.closed || this.active.size >= this.settings.maxJobs) return;
      if (this.active.has(id)) continue;
      const now = Date.now();
      if (!(await this.store.claim(id, this.owner, now, now + this.settings.leaseMs))) continue;
      const job = await this.store.getJob(id);
      if (job) this.launch(job);
    }
  }

  private launch(job: ImportJobModel): void {
    const source = this.sourceFor(job.spec.source.name);
    const destination = this.destinationFor(job.spec.destination.name);
    if (!source || !destination) {
      // The configuration changed since the job was started.
      void this.store.setState(job.id, 'FAILED', { endedAt: Date.now(), error: 'The source or destination of this job is no longer configured as an MLflow or W&B source.' });
      return;
    }
    const runner = new JobRunner(job, { store: this.store, source, destination, logger: this.logger, historyChunk: this.settings.historyChunk });
    if (job.cancelRequested) runner.stop('cancel');
    const timer = setInterval(() => void this.renew(job.id, runner), Math.max(100, Math.floor(this.settings.leaseMs / 3)));
    timer.unref();
    const done = runner
      .run()
      .then((state) => this.logger.info('import job stopped', { job: job.id, state }))
      .catch((e: unknown) => this.logger.error('import job crashed', { job: job.id, error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        clearInterval(timer);
        this.active.delete(job.id);
        if (!this.closed) void this.pickUp();
      });
    this.active.set(job.id, { runner, done, timer });
  }

  /** Keeps the lease, and hears cancellations made on other replicas. */
  private async renew(id: string, runner: JobRunner): Promise<void> {
    try {
      const now = Date.now();
      if (!(await this.store.claim(id, this.owner, now, now + this.settings.leaseMs))) {
        runner.stop('lease-lost');
        return;
      }
      if ((await this.store.getJob(id))?.cancelRequested) runner.stop('cancel');
    } catch (e) {
      this.logger.warn('import lease renewal failed', { job: id, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Stops running jobs where they are (they stay RUNNING and resume on the next start) and closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.picking;
    const active = [...this.active.entries()];
    for (const [, a] of active) a.runner.stop('shutdown');
    await Promise.all(active.map(([, a]) => a.done));
    for (const [id] of active) await this.store.release(id, this.owner);
    await this.store.close();
  }
}
