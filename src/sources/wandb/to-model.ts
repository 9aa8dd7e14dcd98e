import { parse as parseYaml } from 'yaml';
import type { HistoryRowModel, MetricPoint, RunModel, RunState, SweepModel, SweepState, SystemMetricsRowModel } from '../../models';
import type { Wandb } from './wandb-types';

const STATES: Record<string, RunState> = {
  pending: 'PENDING',
  running: 'RUNNING',
  finished: 'FINISHED',
  failed: 'FAILED',
  crashed: 'CRASHED',
  killed: 'KILLED',
  preempting: 'PREEMPTING',
  preempted: 'PREEMPTED',
};

/** The W&B web app's URL for an API URL, as the SDK derives it (api.wandb.ai → wandb.ai). */
export function appUrl(apiUrl: string): string {
  const u = new URL(apiUrl);
  if (u.hostname === 'api.wandb.ai') return 'https://wandb.ai';
  if (u.hostname.startsWith('api.')) u.hostname = `app.${u.hostname.slice(4)}`;
  return u.toString().replace(/\/+$/, '');
}

/** A JSONString field of W&B's (config, summaryMetrics, ...) as an object; anything else is empty. */
export function jsonObject(raw: string | null | undefined): Record<string, unknown> {
  if (!raw) return {};
  const v = JSON.parse(raw) as unknown;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** W&B times are UTC without a zone suffix. */
export const utc = (s: string | null | undefined): Date | null => (s ? new Date(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`) : null);

/** W&B wraps each config value as `{value, desc}`; `_wandb` and `wandb_version` are its own bookkeeping. */
export function unwrapConfig(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === '_wandb' || k === 'wandb_version') continue;
    out[k] = v !== null && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
  }
  return out;
}

export function toRun(source: string, base: string, entity: string, project: string, r: Wandb.Run): RunModel {
  const summary = jsonObject(r.summaryMetrics);
  delete summary._wandb;
  const lastStep = r.historyKeys?.lastStep ?? 0;
  const heartbeat = utc(r.heartbeatAt);
  const latest: Record<string, MetricPoint> = {};
  for (const key of Object.keys(r.historyKeys?.keys ?? {})) {
    if (key.startsWith('_')) continue;
    const v = summary[key];
    latest[key] = { value: typeof v === 'number' ? v : String(v ?? ''), step: lastStep, timestamp: heartbeat ?? new Date(0) };
  }
  const state = STATES[r.state ?? ''] ?? 'UNKNOWN';
  return {
    source,
    sourceId: r.name,
    projectId: `${entity}/${project}`,
    name: r.displayName || r.name,
    state,
    createdAt: utc(r.createdAt),
    endedAt: state === 'RUNNING' || state === 'PENDING' ? null : heartbeat,
    user: r.user?.username ?? r.user?.name ?? null,
    notes: r.notes ?? null,
    tags: (r.tags ?? []).map((key) => ({ key, value: null })),
    systemTags: [],
    config: unwrapConfig(jsonObject(r.config)),
    summary,
    latestMetrics: latest,
    gitCommit: r.commit ?? null,
    command: null,
    webUrl: `${appUrl(base)}/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/runs/${encodeURIComponent(r.name)}`,
    group: r.group ?? null,
    jobType: r.jobType ?? null,
    sweepName: r.sweepName ?? null,
    systemMetrics: jsonObject(r.systemMetrics),
  };
}

/** Joins the rows of per-key samples into one row per step; `_timestamp` is in seconds. */
export function toHistoryRows(rows: Iterable<Record<string, unknown>>): HistoryRowModel[] {
  const bySteps = new Map<number, HistoryRowModel>();
  for (const row of rows) {
    const step = Number(row._step);
    if (!Number.isFinite(step)) continue;
    const out = bySteps.get(step) ?? { step, timestamp: null, values: {} };
    for (const [k, v] of Object.entries(row)) {
      if (!k.startsWith('_') && (typeof v === 'number' || typeof v === 'string')) out.values[k] = v;
    }
    const ts = typeof row._timestamp === 'number' ? new Date(row._timestamp * 1000) : null;
    if (ts && (!out.timestamp || out.timestamp < ts)) out.timestamp = ts;
    bySteps.set(step, out);
  }
  return [...bySteps.values()].sort((a, b) => a.step - b.step);
}

/** W&B system events carry `_timestamp` (seconds), `_runtime` and `system.*` keys, and no step. */
export function toSystemMetricRows(lines: Iterable<string>): SystemMetricsRowModel[] {
  const rows: SystemMetricsRowModel[] = [];
  for (const line of lines) {
    const event = JSON.parse(line) as unknown;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) continue;
    const values: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(event)) if (k !== '_timestamp' && (typeof v === 'number' || typeof v === 'string')) values[k] = v;
    const ts = (event as { _timestamp?: unknown })._timestamp;
    rows.push({ step: null, timestamp: typeof ts === 'number' ? new Date(ts * 1000) : null, values });
  }
  return rows;
}

const SWEEP_STATES: ReadonlySet<string> = new Set<SweepState>(['PENDING', 'RUNNING', 'PAUSED', 'CANCELED', 'FINISHED', 'FAILED', 'CRASHED']);

/** A sweep configuration is YAML; one that does not parse to a mapping is kept out rather than failing the sweep. */
function sweepConfig(raw: string | null | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = parseYaml(raw) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toSweep(source: string, base: string, entity: string, project: string, s: Wandb.Sweep): SweepModel {
  const config = sweepConfig(s.config);
  const metric = config.metric as { name?: unknown; goal?: unknown } | undefined;
  const state = String(s.state ?? '').toUpperCase();
  return {
    source,
    projectId: `${entity}/${project}`,
    sourceId: s.name,
    name: s.displayName || (typeof config.name === 'string' ? config.name : '') || s.name,
    state: SWEEP_STATES.has(state) ? (state as SweepState) : 'UNKNOWN',
    method: s.method ?? (typeof config.method === 'string' ? config.method : ''),
    description: s.description ?? null,
    config,
    metric: typeof metric?.name === 'string' ? { name: metric.name, goal: metric.goal === 'maximize' ? 'MAXIMIZE' : 'MINIMIZE' } : null,
    bestValue: typeof s.bestLoss === 'number' ? s.bestLoss : null,
    runCount: s.runCount ?? 0,
    expectedRunCount: s.runCountExpected ?? null,
    createdAt: utc(s.createdAt),
    updatedAt: utc(s.updatedAt),
    webUrl: `${appUrl(base)}/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/sweeps/${encodeURIComponent(s.name)}`,
  };
}
