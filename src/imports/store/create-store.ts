import { existsSync } from 'node:fs';
import { openPostgresStore } from './postgres';
import { openSqliteStore } from './sqlite';
import type { JobStore } from './store';

export type JobStoreConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * The SQLite file is created by the first import, not by every start: a gateway that never
 * imports writes nothing. Until then reads answer "no jobs". PostgreSQL is opened at once (it was
 * configured on purpose, and a wrong URL should fail the start).
 */
class LazySqliteStore implements JobStore {
  private opened: Promise<JobStore> | null = null;
  constructor(private readonly path: string) {}

  private open(): Promise<JobStore> {
    // A failed open (the file locked by another process) is retried by the next call, not cached.
    this.opened ??= openSqliteStore(this.path).catch((e: unknown) => {
      this.opened = null;
      throw e;
    });
    return this.opened;
  }

  /** Reads before the file exists have nothing to find. */
  private async read<T>(empty: T, f: (s: JobStore) => Promise<T>): Promise<T> {
    if (!this.opened && !existsSync(this.path)) return empty;
    return f(await this.open());
  }

  createJob: JobStore['createJob'] = async (job) => (await this.open()).createJob(job);
  getJob: JobStore['getJob'] = (id) => this.read(null, (s) => s.getJob(id));
  listJobs: JobStore['listJobs'] = (first, after) => this.read([], (s) => s.listJobs(first, after));
  claim: JobStore['claim'] = (...a) => this.read(false, (s) => s.claim(...a));
  release: JobStore['release'] = (...a) => this.read(undefined, (s) => s.release(...a));
  claimable: JobStore['claimable'] = (now) => this.read([], (s) => s.claimable(now));
  setState: JobStore['setState'] = async (...a) => (await this.open()).setState(...a);
  requestCancel: JobStore['requestCancel'] = async (id) => (await this.open()).requestCancel(id);
  ledger: JobStore['ledger'] = (d, ids) => this.read(new Map(), (s) => s.ledger(d, ids));
  putLedger: JobStore['putLedger'] = async (...a) => (await this.open()).putLedger(...a);
  settleRun: JobStore['settleRun'] = async (...a) => (await this.open()).settleRun(...a);
  addFound: JobStore['addFound'] = async (...a) => (await this.open()).addFound(...a);
  outcomes: JobStore['outcomes'] = (j, ids) => this.read(new Map(), (s) => s.outcomes(j, ids));
  putOutcome: JobStore['putOutcome'] = async (...a) => (await this.open()).putOutcome(...a);
  counts: JobStore['counts'] = (j) => this.read({ found: 0, done: 0, skipped: 0, failed: 0 }, (s) => s.counts(j));
  problems: JobStore['problems'] = (j, n) => this.read([], (s) => s.problems(j, n));
  close = async (): Promise<void> => {
    if (this.opened) await (await this.opened).close();
  };
}

export async function createJobStore(config: JobStoreConfig): Promise<JobStore> {
  if (config.kind === 'postgres') return openPostgresStore(config.url);
  return new LazySqliteStore(config.path);
}
