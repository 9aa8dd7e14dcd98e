import type { ImportCounts, ImportJobModel, ImportJobState, ImportProblem, LedgerEntry, RunOutcome } from '../job-model';

/**
 * Where jobs, their per-run outcomes and the import ledger live: SQLite (one replica) or
 * PostgreSQL (several). Every method is one transaction; a resolved promise means it is durable.
 */
export interface JobStore {
  createJob(job: ImportJobModel): Promise<void>;
  getJob(id: string): Promise<ImportJobModel | null>;
  /** Newest first, after the job with the given id. */
  listJobs(first: number, afterId: string | null): Promise<ImportJobModel[]>;
  /**
   * Takes or renews the job's lease for `owner` until `until`, if the job is QUEUED or RUNNING and
   * its lease is free, expired or already the owner's. Atomic: two replicas never both win.
   */
  claim(id: string, owner: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up (a graceful stop) so the next start, or another replica, resumes at once. */
  release(id: string, owner: string): Promise<void>;
  /** Unfinished jobs whose lease is free or expired at `now`, oldest first. */
  claimable(now: number): Promise<string[]>;
  /** Sets the state (and the given times and error); releases the lease when the state is terminal. */
  setState(id: string, state: ImportJobState, fields: { startedAt?: number; endedAt?: number; error?: string | null }): Promise<void>;
  requestCancel(id: string): Promise<void>;
  ledger(destination: string, runIds: string[]): Promise<Map<string, LedgerEntry>>;
  putLedger(destination: string, entry: LedgerEntry): Promise<void>;
  /**
   * A run's end in one transaction: its ledger entry (by destination run id) and this job's outcome
   * for it (by the source run's key), so a crash never leaves a run verified in the ledger but
   * unfinished in the job (or the reverse).
   */
  settleRun(jobId: string, runKey: string, destination: string, entry: LedgerEntry, outcome: RunOutcome, reason: string | null): Promise<void>;
  /** Records runs (by their source keys) as found (`pending`) unless the job already has an outcome for them. */
  addFound(jobId: string, runKeys: string[], at: number): Promise<void>;
  outcomes(jobId: string, runKeys: string[]): Promise<Map<string, RunOutcome>>;
  putOutcome(jobId: string, runKey: string, outcome: RunOutcome, reason: string | null, at: number): Promise<void>;
  counts(jobId: string): Promise<ImportCounts>;
  problems(jobId: string, first: number): Promise<ImportProblem[]>;
  close(): Promise<void>;
}
