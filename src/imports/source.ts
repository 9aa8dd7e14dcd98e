import type { FilterNode } from '../filters/ast';
import type { ImportHistoryRow, ImportRunSpec } from './destination';

/** One metric point as the tracking server stores it: epoch milliseconds, integer step. */
export interface SourcePoint {
  key: string;
  value: number | string;
  step: number;
  timestamp: number;
}

export interface SourceExperiment {
  id: string;
  name: string;
}

/** A run as a source lists it: what the runner schedules by; the source keeps the rest for `spec` and `historyRows`. */
export interface SourceRun {
  /** The destination run's id (the source's own id: MLflow's run id, W&B's run name). */
  runId: string;
  /**
   * Unique among everything the job reads, for the job's per-run outcomes and problems: MLflow's
   * run id; for W&B, `entity/project/run` (one name may exist in two projects).
   */
  key: string;
  experimentId: string;
  /** The exit code W&B's run ends with; null while the run still runs (it is left unfinished). */
  exitCode: number | null;
}

export interface SourceFile {
  path: string;
  size: number | null;
}

/**
 * Reads what an import copies, with every page of every listing: no first-page-only reads. Nothing
 * here writes to the source. Each source maps its own runs (README: the mapping tables).
 */
export interface ImportSource {
  /** The chosen experiments (NOT_FOUND for an unknown one), or every active experiment. */
  experiments(ids: string[] | null): Promise<SourceExperiment[]>;
  /** Runs of the experiments matching the filter, oldest first, a page at a time. */
  runs(experimentIds: string[], filter: FilterNode | null): AsyncIterable<SourceRun[]>;
  /** The run as W&B is to hold it; a MappingError when that would lose something. */
  spec(run: SourceRun, experimentName: string): ImportRunSpec;
  /** Every history row in order, read page by page; `check` (between pages) throws to stop. */
  historyRows(run: SourceRun, check: () => void): Promise<ImportHistoryRow[]>;
  /** Every file to copy; a MappingError for one that cannot be copied without overwriting W&B's own. */
  files(run: SourceRun): Promise<SourceFile[]>;
  openFile(run: SourceRun, path: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }>;
}

/** Sources that can be imported from carry `importSource()` (MLflow, W&B); callers check with this. */
export function importSourceOf(source: object, opts?: { runsPerPage: number; pointsPerPage: number }): ImportSource | null {
  const s = source as { importSource?: (o?: { runsPerPage: number; pointsPerPage: number }) => ImportSource };
  return typeof s.importSource === 'function' ? s.importSource(opts) : null;
}
