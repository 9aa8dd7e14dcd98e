import type { FilterNode } from '../filters/ast';

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

/** A tracking-server run with everything the mapping needs except its metric history and files. */
export interface SourceRun {
  runId: string;
  experimentId: string;
  name: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number | null;
  user: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** The latest point of each metric key. */
  latestMetrics: Record<string, SourcePoint>;
}

export interface SourceFile {
  path: string;
  size: number | null;
}

/**
 * Reads what an import copies, with every page of every listing: no first-page-only reads. Nothing
 * here writes to the source.
 */
export interface ImportSource {
  /** The chosen experiments (NOT_FOUND for an unknown one), or every active experiment. */
  experiments(ids: string[] | null): Promise<SourceExperiment[]>;
  /** Runs of the experiments matching the filter, oldest first, a page at a time. */
  runs(experimentIds: string[], filter: FilterNode | null): AsyncIterable<SourceRun[]>;
  /** A metric's whole history, in pages. */
  history(runId: string, key: string): AsyncIterable<SourcePoint[]>;
  /** Every file of the run's artifact tree. */
  files(runId: string): Promise<SourceFile[]>;
  openFile(runId: string, path: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }>;
}

/** Sources that can be imported from carry `importSource()` (MLflow); callers check with this. */
export function importSourceOf(source: object, opts?: { runsPerPage: number; pointsPerPage: number }): ImportSource | null {
  const s = source as { importSource?: (o?: { runsPerPage: number; pointsPerPage: number }) => ImportSource };
  return typeof s.importSource === 'function' ? s.importSource(opts) : null;
}
