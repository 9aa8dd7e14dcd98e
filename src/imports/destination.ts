/** One run as it is to be written to W&B: source-neutral, every value already mapped. */
export interface ImportRunSpec {
  /** The W&B run id (MLflow's 32-hex run id is reused: stable, so re-imports address the same run). */
  runId: string;
  displayName: string;
  state: 'finished' | 'failed' | 'crashed' | 'running';
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number | null;
  user: string | null;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  tags: string[];
  notes: string | null;
  group: string | null;
  jobType: string | null;
  /** The git commit the run ran at (MLflow's `mlflow.source.git.commit`), W&B's run `commit`. */
  commit: string | null;
  /** What W&B shows as the run's metadata (`wandb-metadata.json`): start time, user, program, git. */
  metadata: Record<string, unknown>;
}
/** One history row: `_step` and `_timestamp` (epoch SECONDS, fractional, as W&B stores it) plus metric values. */
export interface ImportHistoryRow { _step: number; _timestamp: number; [key: string]: number | string | null; }
export interface ImportNamespace { source: string; entity: string; project: string; }
/** What the destination holds of a run, to verify an import and to resume one. */
export interface DestinationRunState { exists: boolean; config: Record<string, unknown>; summary: Record<string, unknown>; historyLength: number; }
/** Writes runs into a W&B project with the SDK's own protocol; every call named and counted. */
export interface ImportDestination {
  state(ns: ImportNamespace, runId: string): Promise<DestinationRunState>;
  /** Creates or updates the run (upsertBucket): idempotent. */
  upsertRun(ns: ImportNamespace, run: ImportRunSpec): Promise<void>;
  /** Appends history rows starting at line `offset` of the run's history (file_stream offsets make a resent chunk replace, never duplicate). */
  appendHistory(ns: ImportNamespace, runId: string, offset: number, rows: ImportHistoryRow[]): Promise<void>;
  /** Uploads one file to the run (createRunFiles, PUT, markRunFilesUploaded); `body` streams. */
  uploadFile(ns: ImportNamespace, runId: string, path: string, body: ReadableStream<Uint8Array>, size: number | null): Promise<void>;
  /** Marks the run finished with its exit code and final summary (file_stream `complete`). */
  finish(ns: ImportNamespace, runId: string, exitCode: number, summary: Record<string, unknown>): Promise<void>;
}
