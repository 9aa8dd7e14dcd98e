import { GatewayError } from '../errors';
import { filterArgument } from '../filters/parse';
import type { Logger } from '../logger';
import type { ImportDestination, ImportNamespace } from './destination';
import type { ImportJobModel, ImportJobState, LedgerEntry } from './job-model';
import type { ImportSource, SourceRun } from './source';
import type { JobStore } from './store/store';
import { verifyRun } from './verify';

export interface RunnerDeps {
  store: JobStore;
  source: ImportSource;
  destination: ImportDestination;
  logger: Logger;
  /** History rows per appendHistory call; the ledger records the offset after each. */
  historyChunk: number;
}

/** Why a job stops before its end: asked to (CANCELLED), or the process or lease goes (resumed later). */
export type StopReason = 'cancel' | 'shutdown' | 'lease-lost';

class Stopped extends Error {}

const METADATA_FILE = 'wandb-metadata.json';

/** At most `size` tasks at once; `add` waits for room. Tasks handle their own failures. */
class TaskPool {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly size: number) {}
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    const p: Promise<void> = task().finally(() => this.running.delete(p));
    // Observed here so a failure is not an unhandled rejection; add() and drain() still see it.
    p.catch(() => undefined);
    this.running.add(p);
  }
  drain(): Promise<unknown> {
    return Promise.all(this.running);
  }
  /** Waits for every task, failed or not. */
  settle(): Promise<unknown> {
    return Promise.allSettled(this.running);
  }
}

/** The ledger is per destination project: the same MLflow run imported elsewhere is another entry. */
export const ledgerKey = (ns: ImportNamespace): string => `${ns.source}/${ns.entity}/${ns.project}`;

function describe(e: unknown): string {
  if (e instanceof GatewayError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs one job to its end (or until stopped): lists every matching run, imports each with bounded
 * parallelism, records each run's outcome and the ledger as it goes, so a restart resumes from the
 * ledger. A run's failure is recorded as a problem and the job carries on.
 */
export class JobRunner {
  private readonly abort = new AbortController();

  constructor(
    private readonly job: ImportJobModel,
    private readonly deps: RunnerDeps,
  ) {}

  stop(reason: StopReason): void {
    if (!this.abort.signal.aborted) this.abort.abort(reason);
  }

  private get stopReason(): StopReason | null {
    return this.abort.signal.aborted ? (this.abort.signal.reason as StopReason) : null;
  }

  private check(): void {
    if (this.abort.signal.aborted) throw new Stopped();
  }

  /** The state the job ended in; RUNNING when it was stopped to be resumed elsewhere or later. */
  async run(): Promise<ImportJobState> {
    const { store, source, logger } = this.deps;
    const { id, spec } = this.job;
    await store.setState(id, 'RUNNING', { startedAt: Date.now() });
    const pool = new TaskPool(spec.options.parallelism);
    try {
      const experiments = await source.experiments(spec.source.experimentIds);
      const names = new Map(experiments.map((e) => [e.id, e.name]));
      // Destination run → the source run that goes there: two source runs with one id (W&B names
      // repeat across projects) must not overwrite each other in one destination project.
      const claimed = new Map<string, string>();
      for await (const page of source.runs([...names.keys()], filterArgument(spec.source.filter))) {
        this.check();
        const keys = page.map((r) => r.key);
        const known = await store.outcomes(id, keys);
        await store.addFound(id, keys, Date.now());
        for (const run of page) {
          const target = `${this.namespace(names.get(run.experimentId) ?? run.experimentId).project}/${run.runId}`;
          const holder = claimed.get(target);
          if (holder !== undefined && holder !== run.key) {
            const reason = `another run of this import (${holder}) goes to the same destination project with the same id '${run.runId}'; remap one of their projects.`;
            await store.putOutcome(id, run.key, 'failed', reason, Date.now());
            continue;
          }
          claimed.set(target, run.key);
          const outcome = known.get(run.key);
          // Finished by this job before a restart: nothing to redo.
          if (outcome === 'done' || outcome === 'skipped') continue;
          this.check();
          await pool.add(() => this.importRun(run, names.get(run.experimentId) ?? run.experimentId));
        }
      }
      await pool.drain();
      this.check();
      await store.setState(id, 'SUCCEEDED', { endedAt: Date.now() });
      return 'SUCCEEDED';
    } catch (e) {
      // Runs in flight finish their current step first: nothing is written after the job has ended.
      await pool.settle();
      const reason = this.stopReason;
      if (reason === 'cancel') {
        await store.setState(id, 'CANCELLED', { endedAt: Date.now() });
        return 'CANCELLED';
      }
      if (reason) return 'RUNNING';
      const error = describe(e);
      logger.error('import job failed', { job: id, error });
      await store.setState(id, 'FAILED', { endedAt: Date.now(), error });
      return 'FAILED';
    }
  }

  private namespace(experimentName: string): ImportNamespace {
    const d = this.job.spec.destination;
    const project = d.remap.find((r) => r.experiment === experimentName)?.project ?? d.project;
    return { source: d.name, entity: d.entity, project };
  }

  /** Never throws: a failure is the run's problem; a stop leaves the run pending for the resume. */
  private async importRun(run: SourceRun, experimentName: string): Promise<void> {
    const { store, destination, source, historyChunk } = this.deps;
    const { options } = this.job.spec;
    const ns = this.namespace(experimentName);
    const key = ledgerKey(ns);
    const jobId = this.job.id;
    let entry: LedgerEntry | undefined;
    try {
      this.check();
      const spec = source.spec(run, experimentName);
      entry = (await store.ledger(key, [run.runId])).get(run.runId);
      if (options.incremental && entry?.status === 'verified') {
        const now = await destination.state(ns, run.runId);
        if (verifyRun(spec, entry.historyRows, now) === null) {
          await store.putOutcome(jobId, run.key, 'skipped', null, Date.now());
          return;
        }
      }
      const rows = await source.historyRows(run, () => this.check());
      // Listed before anything is written, so a run that cannot be imported whole is not begun.
      const files = options.includeArtifacts ? await source.files(run) : [];
      // A run cut off mid-history resumes at the offset the destination acknowledged; a changed
      // or non-incremental one is rewritten from the start (offsets make that a replacement).
      const resumable = options.incremental && entry && entry.status !== 'verified';
      let offset = resumable ? Math.min(entry?.historyOffset ?? 0, rows.length) : 0;
      entry = { runId: run.runId, status: 'importing', historyOffset: offset, historyRows: rows.length, updatedAt: Date.now() };
      await store.putLedger(key, entry);
      await destination.upsertRun(ns, spec);
      const meta = Buffer.from(JSON.stringify(spec.metadata), 'utf8');
      await destination.uploadFile(ns, run.runId, METADATA_FILE, new Blob([meta]).stream(), meta.byteLength);
      while (offset < rows.length) {
        this.check();
        const chunk = rows.slice(offset, offset + historyChunk);
        await destination.appendHistory(ns, run.runId, offset, chunk);
        offset += chunk.length;
        entry = { ...entry, historyOffset: offset, updatedAt: Date.now() };
        await store.putLedger(key, entry);
      }
      for (const file of files) {
        this.check();
        const { body, size } = await source.openFile(run, file.path);
        await destination.uploadFile(ns, run.runId, file.path, body, size ?? file.size);
      }
      if (run.exitCode !== null) await destination.finish(ns, run.runId, run.exitCode, spec.summary);
      const mismatch = verifyRun(spec, rows.length, await destination.state(ns, run.runId));
      if (mismatch) throw new Error(`the destination does not hold what was written: ${mismatch}`);
      await store.settleRun(jobId, run.key, key, { ...entry, status: 'verified', updatedAt: Date.now() }, 'done', null);
    } catch (e) {
      if (this.stopReason) return;
      const reason = describe(e);
      this.deps.logger.warn('import of a run failed', { job: jobId, run: run.runId, reason });
      try {
        if (entry) await store.settleRun(jobId, run.key, key, { ...entry, status: 'failed', updatedAt: Date.now() }, 'failed', reason);
        else await store.putOutcome(jobId, run.key, 'failed', reason, Date.now());
      } catch (storeError) {
        // The store itself is failing: the job cannot record outcomes, so it must stop, not lose them.
        this.deps.logger.error('import ledger write failed', { job: jobId, error: describe(storeError) });
        throw storeError;
      }
    }
  }
}
