export type ImportJobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface ImportRemap {
  /** An MLflow experiment's name. */
  experiment: string;
  /** The W&B project its runs go to. */
  project: string;
}

/** What a job imports, validated whole before it is stored. */
export interface ImportSpec {
  source: { name: string; experimentIds: string[] | null; filter: unknown };
  destination: { name: string; entity: string; project: string; remap: ImportRemap[] };
  options: { includeArtifacts: boolean; incremental: boolean; parallelism: number };
}

export interface ImportJobModel {
  id: string;
  state: ImportJobState;
  spec: ImportSpec;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Why the job as a whole failed (a run's failure is a problem, not this). */
  error: string | null;
  cancelRequested: boolean;
}

export type RunOutcome = 'pending' | 'done' | 'skipped' | 'failed';

export interface ImportCounts {
  found: number;
  done: number;
  skipped: number;
  failed: number;
}

export interface ImportProblem {
  runId: string;
  reason: string;
  at: number;
}

export type LedgerStatus = 'pending' | 'importing' | 'verified' | 'failed';

/** What has reached the destination of one run, across jobs: the basis of resumes and incremental imports. */
export interface LedgerEntry {
  runId: string;
  status: LedgerStatus;
  /** History rows the destination has acknowledged. */
  historyOffset: number;
  /** The source's history length when the run was verified. */
  historyRows: number;
  updatedAt: number;
}

export const TERMINAL: ReadonlySet<ImportJobState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
