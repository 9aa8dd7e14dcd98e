import type { ImportHistoryRow, ImportRunSpec } from './destination';
import type { SourcePoint, SourceRun } from './source';

/** An MLflow run with everything the mapping needs except its metric history and files. */
export interface MlflowSourceRun extends SourceRun {
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

/** MLflow's own tags (`mlflow.runName`, `mlflow.user`, `mlflow.source.*`, ...) start with this. */
const SYSTEM_PREFIX = 'mlflow.';
const NOTE_TAG = 'mlflow.note.content';
/** Config keys the import writes besides the params. */
export const RESERVED_CONFIG_KEYS = ['mlflow_tags', 'mlflow_system_tags'] as const;
/** The history key holding MLflow's step when a run's steps cannot be W&B's (see historyRows). */
export const MLFLOW_STEP_KEY = 'mlflow_step';
/** Files W&B writes for every run itself: an artifact at one of these paths would overwrite them. */
export const WANDB_RUN_FILES = new Set(['wandb-metadata.json', 'wandb-summary.json', 'wandb-history.jsonl', 'wandb-events.jsonl', 'output.log', 'config.yaml']);

const STATES: Record<MlflowSourceRun['status'], ImportRunSpec['state']> = {
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'failed',
  RUNNING: 'running',
  SCHEDULED: 'running',
};

/** W&B's exit code for the run's end: what `finish` sends; `null` while the run still runs. */
export function exitCode(status: MlflowSourceRun['status']): number | null {
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
export function mapRun(run: MlflowSourceRun, experimentName: string): ImportRunSpec {
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
    commit: run.tags['mlflow.source.git.commit'] || null,
    metadata: metadata(run),
  };
}

/**
 * W&B takes a run's creation time and user from the import itself (UpsertBucket has no argument
 * for either); the SDK records the real ones in `wandb-metadata.json`, and so does the import,
 * with the program and git origin MLflow recorded.
 */
function metadata(run: MlflowSourceRun): Record<string, unknown> {
  const meta: Record<string, unknown> = { startedAt: new Date(run.startTime).toISOString() };
  if (run.user) meta.username = run.user;
  const program = run.tags['mlflow.source.name'];
  if (program) meta.program = program;
  const commit = run.tags['mlflow.source.git.commit'];
  const remote = run.tags['mlflow.source.git.repoURL'];
  if (commit || remote) meta.git = { ...(remote ? { remote } : {}), ...(commit ? { commit } : {}) };
  return meta;
}

/** The latest value of every metric, plus `_runtime` (seconds) once the run has ended. */
export function mapSummary(run: MlflowSourceRun): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const key of Object.keys(run.latestMetrics).sort()) summary[key] = (run.latestMetrics[key] as SourcePoint).value;
  if (run.endTime !== null) summary._runtime = Math.max(0, (run.endTime - run.startTime) / 1000);
  return summary;
}

/**
 * W&B history rows from every point of every metric. W&B keeps one row per step, with one
 * `_timestamp`: the points MLflow logged at a step form that step's row, whose time is the step's
 * latest point (points logged in one `log_metrics`/`log_batch` call share it exactly).
 *
 * A step holds one value per key, so a run that logged a key twice at one step (MLflow's default
 * step is 0 for every call without one) or used a negative step cannot keep its steps as W&B's:
 * then each row is one logging instant (the points sharing a step and a time), `_step` counts the
 * rows in order, the row's `_timestamp` is that instant's, and `mlflow_step` holds MLflow's step.
 * Either way every MLflow point is one value in one row.
 */
export function historyRows(points: Iterable<SourcePoint>): ImportHistoryRow[] {
  const all = [...points];
  const bySteps = rowsBySteps(all);
  if (bySteps) return bySteps;
  if (all.some((p) => p.key === MLFLOW_STEP_KEY)) {
    throw new MappingError(`the run logged a key twice at one step, so its steps go in '${MLFLOW_STEP_KEY}', a name one of its metrics already has.`);
  }
  const byInstant = new Map<string, ImportHistoryRow[]>();
  // A key logged twice at one instant fills rows in value order, so the result is the same whatever order the source listed them.
  const ordered = [...all].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || Number(a.value) - Number(b.value));
  for (const p of ordered) {
    const id = `${p.step}/${p.timestamp}`;
    const rows = byInstant.get(id) ?? [];
    let row = rows.find((r) => !(p.key in r));
    if (!row) {
      row = { _step: 0, _timestamp: p.timestamp / 1000, [MLFLOW_STEP_KEY]: p.step };
      rows.push(row);
      byInstant.set(id, rows);
    }
    row[p.key] = p.value;
  }
  const rows = [...byInstant.values()].flat().sort((a, b) => (a[MLFLOW_STEP_KEY] as number) - (b[MLFLOW_STEP_KEY] as number) || a._timestamp - b._timestamp);
  rows.forEach((row, i) => (row._step = i));
  return rows;
}

/** One row per MLflow step, or null when a key repeats at a step or a step is negative. */
function rowsBySteps(points: SourcePoint[]): ImportHistoryRow[] | null {
  const bySteps = new Map<number, ImportHistoryRow>();
  for (const p of points) {
    if (p.step < 0) return null;
    let row = bySteps.get(p.step);
    if (!row) bySteps.set(p.step, (row = { _step: p.step, _timestamp: p.timestamp / 1000 }));
    else if (p.key in row) return null;
    row[p.key] = p.value;
    row._timestamp = Math.max(row._timestamp, p.timestamp / 1000);
  }
  return [...bySteps.values()].sort((a, b) => a._step - b._step);
}

/** W&B project names: no `/ \ # ? % :`, at most 128 characters (what the W&B app accepts). */
export function badProjectName(name: string): string | null {
  if (!name.trim()) return 'is empty';
  if (name.length > 128) return 'is longer than 128 characters';
  if (/[/\\#?%:]/.test(name)) return 'contains one of / \\ # ? % :';
  return null;
}
