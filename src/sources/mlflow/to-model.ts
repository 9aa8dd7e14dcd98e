import type {
  HistoryRowModel,
  MetricPoint,
  ModelVersionModel,
  ModelVersionStatus,
  ProjectModel,
  RegisteredModelModel,
  RunFileModel,
  RunModel,
  RunState,
  TagModel,
} from '../../models';
import type { Mlflow } from './mlflow-types';

const SYSTEM_TAG = 'mlflow.';

const STATES: Record<Mlflow.RunStatus, RunState> = {
  RUNNING: 'RUNNING',
  SCHEDULED: 'PENDING',
  FINISHED: 'FINISHED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
};

const VERSION_STATUS: Record<NonNullable<Mlflow.ModelVersion['status']>, ModelVersionStatus> = {
  READY: 'READY',
  PENDING_REGISTRATION: 'PENDING',
  FAILED_REGISTRATION: 'FAILED',
};

const date = (ms: number | undefined): Date | null => (typeof ms === 'number' && ms > 0 ? new Date(ms) : null);

function tagModels(tags: Mlflow.KeyValue[] | undefined, system: boolean): TagModel[] {
  return (tags ?? [])
    .filter((t) => t.key.startsWith(SYSTEM_TAG) === system)
    .map((t) => ({ key: t.key, value: t.value }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Links into the MLflow web UI, which routes with a hash. */
export const webUrls = {
  experiment: (base: string, id: string) => `${base}/#/experiments/${encodeURIComponent(id)}`,
  run: (base: string, expId: string, runId: string) => `${base}/#/experiments/${encodeURIComponent(expId)}/runs/${encodeURIComponent(runId)}`,
  model: (base: string, name: string) => `${base}/#/models/${encodeURIComponent(name)}`,
  version: (base: string, name: string, v: string) => `${base}/#/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(v)}`,
};

export function toProject(source: string, base: string, e: Mlflow.Experiment): ProjectModel {
  return {
    source,
    sourceId: e.experiment_id,
    name: e.name,
    createdAt: date(e.creation_time),
    updatedAt: date(e.last_update_time),
    tags: tagModels(e.tags, false),
    webUrl: webUrls.experiment(base, e.experiment_id),
  };
}

/** MLflow Projects record the URI and entry point; `mlflow run` with them is what ran. */
function command(tags: Map<string, string>): string | null {
  const sourceName = tags.get('mlflow.source.name') ?? null;
  const entryPoint = tags.get('mlflow.project.entryPoint');
  if (sourceName && entryPoint && tags.get('mlflow.source.type') === 'PROJECT') return `mlflow run ${sourceName} -e ${entryPoint}`;
  return sourceName;
}

export function toRun(source: string, base: string, r: Mlflow.Run): RunModel {
  const info = r.info;
  const tags = new Map((r.data?.tags ?? []).map((t) => [t.key, t.value]));
  const latest: Record<string, MetricPoint> = {};
  const summary: Record<string, unknown> = {};
  for (const m of r.data?.metrics ?? []) {
    latest[m.key] = { value: m.value, step: m.step ?? 0, timestamp: new Date(m.timestamp) };
    summary[m.key] = m.value;
  }
  const config: Record<string, unknown> = {};
  for (const p of r.data?.params ?? []) config[p.key] = p.value;
  return {
    source,
    sourceId: info.run_id,
    projectId: info.experiment_id,
    name: info.run_name ?? tags.get('mlflow.runName') ?? info.run_id,
    state: (info.status && STATES[info.status]) || 'UNKNOWN',
    createdAt: date(info.start_time),
    endedAt: date(info.end_time),
    user: info.user_id || tags.get('mlflow.user') || null,
    notes: tags.get('mlflow.note.content') ?? null,
    tags: tagModels(r.data?.tags, false),
    systemTags: tagModels(r.data?.tags, true),
    config,
    summary,
    latestMetrics: latest,
    gitCommit: tags.get('mlflow.source.git.commit') ?? null,
    command: command(tags),
    webUrl: webUrls.run(base, info.experiment_id, info.run_id),
    group: null,
    jobType: null,
    sweepName: null,
    systemMetrics: null,
  };
}

/**
 * Joins per-key series into one row per step. MLflow can hold several values of a key at one step;
 * the one logged last wins, as it does for the run's latest metrics.
 */
export function toHistoryRows(series: Iterable<Mlflow.Metric>): HistoryRowModel[] {
  const rows = new Map<number, { row: HistoryRowModel; at: Record<string, number> }>();
  for (const m of series) {
    const step = m.step ?? 0;
    let entry = rows.get(step);
    if (!entry) {
      entry = { row: { step, timestamp: null, values: {} }, at: {} };
      rows.set(step, entry);
    }
    const prev = entry.at[m.key];
    if (prev === undefined || m.timestamp >= prev) {
      entry.row.values[m.key] = m.value;
      entry.at[m.key] = m.timestamp;
    }
    if (!entry.row.timestamp || entry.row.timestamp.getTime() < m.timestamp) entry.row.timestamp = new Date(m.timestamp);
  }
  return [...rows.values()].map((e) => e.row).sort((a, b) => a.step - b.step);
}

export function toRunFile(f: Mlflow.FileInfo): RunFileModel {
  const isDir = f.is_dir === true;
  return { path: f.path, name: f.path.slice(f.path.lastIndexOf('/') + 1), isDir, size: isDir ? null : f.file_size ?? 0 };
}

export function toRegisteredModel(source: string, base: string, m: Mlflow.RegisteredModel): RegisteredModelModel {
  return {
    source,
    name: m.name,
    description: m.description || null,
    createdAt: date(m.creation_timestamp),
    updatedAt: date(m.last_updated_timestamp),
    tags: tagModels(m.tags, false),
    aliases: (m.aliases ?? []).map((a) => ({ alias: a.alias, version: a.version })).sort((a, b) => a.alias.localeCompare(b.alias)),
    webUrl: webUrls.model(base, m.name),
  };
}

export function toModelVersion(source: string, base: string, v: Mlflow.ModelVersion): ModelVersionModel {
  return {
    source,
    modelName: v.name,
    version: v.version,
    description: v.description || null,
    createdAt: date(v.creation_timestamp),
    updatedAt: date(v.last_updated_timestamp),
    user: v.user_id || null,
    status: (v.status && VERSION_STATUS[v.status]) || 'READY',
    aliases: [...(v.aliases ?? [])].sort(),
    tags: tagModels(v.tags, false),
    sourceUri: v.source ?? null,
    run: v.run_id ? { sourceId: v.run_id, projectId: null } : null,
    webUrl: webUrls.version(base, v.name, v.version),
  };
}
