import type { ImportHistoryRow, ImportRunSpec } from './destination';
import type { SourcePoint, SourceRun } from './source';

/** MLflow's own tags (`mlflow.runName`, `mlflow.user`, `mlflow.source.*`, ...) start with this. */
const SYSTEM_PREFIX = 'mlflow.';
const NOTE_TAG = 'mlflow.note.content';
/** Config keys the import writes besides the params. */
export const RESERVED_CONFIG_KEYS = ['mlflow_tags', 'mlflow_system_tags'] as const;

const STATES: Record<SourceRun['status'], ImportRunSpec['state']> = {
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'crashed',
  RUNNING: 'running',
  SCHEDULED: 'running',
};

/** W&B's exit code for the run's end: what `finish` sends; `null` while the run still runs. */
export function exitCode(status: SourceRun['status']): number | null {
  if (status === 'FINISHED') return 0;
  if (status === 'FAILED' || status === 'KILLED') return 1;
  return null;
}

/** A run that cannot be mapped without losing something; recorded as the run's problem. */
export class MappingError extends Error {}

/**
 * One MLflow run as a W&B run (see the README's mapping table). Nothing is dropped: params are
 * config as the strings MLflow holds; user tags without a value (or `true`) become W&B tags, and
 * every user tag with a value is kept in config `mlflow_tags`, MLflow's own tags in
 * `mlflow_system_tags`; the experiment's name is the group.
 */
export function mapRun(run: SourceRun, experimentName: string): ImportRunSpec {
  for (const key of RESERVED_CONFIG_KEYS) {
    if (key in run.params) throw new MappingError(`param '${key}' has the name the import reserves for tags; rename the param in MLflow or import the run another way.`);
  }
  const userTags: Record<string, string> = {};
  const systemTags: Record<string, string> = {};
  const labels: string[] = [];
  for (const key of Object.keys(run.tags).sort()) {
    const value = run.tags[key] as string;
    if (key.startsWith(SYSTEM_PREFIX)) {
      systemTags[key] = value;
      continue;
    }
    if (value === '' || value === 'true') labels.push(key);
    if (value !== '') userTags[key] = value;
  }
  const config: Record<string, unknown> = { ...run.params };
  if (Object.keys(userTags).length) config.mlflow_tags = userTags;
  if (Object.keys(systemTags).length) config.mlflow_system_tags = systemTags;
  return {
    runId: run.runId,
    displayName: run.name,
    state: STATES[run.status],
    startedAt: run.startTime,
    endedAt: run.endTime,
    user: run.user,
    config,
    summary: mapSummary(run),
    tags: labels,
    notes: run.tags[NOTE_TAG] ?? null,
    group: experimentName,
    jobType: null,
  };
}

/** The latest value of every metric, plus `_runtime` (seconds) once the run has ended. */
export function mapSummary(run: SourceRun): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const key of Object.keys(run.latestMetrics).sort()) summary[key] = (run.latestMetrics[key] as SourcePoint).value;
  if (run.endTime !== null) summary._runtime = Math.max(0, (run.endTime - run.startTime) / 1000);
  return summary;
}

/**
 * History rows from every point of every metric: points sharing a step AND a timestamp form one
 * row (what one `log_metrics(..., step)` call wrote); points at one step with different timestamps
 * are separate rows, and a key logged twice at the same instant takes a second row, so every
 * MLflow point is one value in one row, with its own step and time. Ordered by step, then time.
 */
export function historyRows(points: Iterable<SourcePoint>): ImportHistoryRow[] {
  const byInstant = new Map<string, ImportHistoryRow[]>();
  for (const p of points) {
    const id = `${p.step}/${p.timestamp}`;
    const rows = byInstant.get(id) ?? [];
    let row = rows.find((r) => !(p.key in r));
    if (!row) {
      row = { _step: p.step, _timestamp: p.timestamp / 1000 };
      rows.push(row);
      byInstant.set(id, rows);
    }
    row[p.key] = p.value;
  }
  return [...byInstant.values()].flat().sort((a, b) => a._step - b._step || a._timestamp - b._timestamp);
}

/** W&B project names: no `/ \ # ? % :`, at most 128 characters (what the W&B app accepts). */
export function badProjectName(name: string): string | null {
  if (!name.trim()) return 'is empty';
  if (name.length > 128) return 'is longer than 128 characters';
  if (/[/\\#?%:]/.test(name)) return 'contains one of / \\ # ? % :';
  return null;
}
