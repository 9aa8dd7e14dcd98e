import DataLoader from 'dataloader';
import type { HistoryRowModel, ModelVersionModel, ProjectModel, RegisteredModelModel, ReportModel, RunModel, SweepModel } from '../models';
import type { SourceRegistry } from '../sources';
import type { SourceConnector } from '../sources/source';

export interface RunKey {
  source: string;
  projectId: string | null;
  runId: string;
}
export interface ProjectKey {
  source: string;
  projectId: string;
}
export interface SweepKey {
  source: string;
  projectId: string;
  sweepId: string;
}
export interface ReportKey {
  source: string;
  reportId: string;
}
export interface HistorySampleKey {
  run: RunModel;
  keys: string[];
  samples: number;
}
export interface ModelKey {
  source: string;
  name: string;
}
export interface VersionKey {
  source: string;
  model: string;
  version: string;
}

/**
 * Splits a batch by source, asks each source once, and puts results back in key order. A failing
 * source fails only its own keys, so the other sources' data still returns.
 */
function bySource<K, V>(
  sources: SourceRegistry,
  load: (source: SourceConnector, keys: K[]) => Promise<V[]>,
  sourceOf: (key: K) => string = (key) => (key as { source: string }).source,
): (keys: readonly K[]) => Promise<Array<V | Error>> {
  return async (keys) => {
    const out: Array<V | Error> = new Array(keys.length);
    const groups = new Map<string, number[]>();
    keys.forEach((k, i) => groups.set(sourceOf(k), [...(groups.get(sourceOf(k)) ?? []), i]));
    await Promise.all(
      [...groups].map(async ([name, indexes]) => {
        try {
          const values = await load(sources.get(name), indexes.map((i) => keys[i] as K));
          indexes.forEach((i, j) => (out[i] = values[j] as V));
        } catch (e) {
          indexes.forEach((i) => (out[i] = e instanceof Error ? e : new Error(String(e))));
        }
      }),
    );
    return out;
  };
}

export const runKey = (k: RunKey) => `${k.source}|${k.projectId ?? ''}|${k.runId}`;

/** Per-request loaders: a memo and batcher for one request only, never shared across callers. */
export function createLoaders(sources: SourceRegistry) {
  return {
    runById: new DataLoader<RunKey, RunModel | null, string>(
      bySource(sources, (s, keys) => s.getRuns(keys.map((k) => ({ projectId: k.projectId, runId: k.runId })))),
      { cacheKeyFn: runKey },
    ),
    projectById: new DataLoader<ProjectKey, ProjectModel | null, string>(
      bySource(sources, (s, keys) => Promise.all(keys.map((k) => s.getProject(k.projectId)))),
      { cacheKeyFn: (k) => `${k.source}|${k.projectId}` },
    ),
    sweepByKey: new DataLoader<SweepKey, SweepModel | null, string>(
      bySource(sources, (s, keys) => s.getSweeps(keys.map((k) => ({ projectId: k.projectId, sweepId: k.sweepId })))),
      { cacheKeyFn: (k) => `${k.source}|${k.projectId}|${k.sweepId}` },
    ),
    reportById: new DataLoader<ReportKey, ReportModel | null, string>(
      bySource(sources, (s, keys) => s.getReports(keys.map((k) => k.reportId))),
      { cacheKeyFn: (k) => `${k.source}|${k.reportId}` },
    ),
    historySample: new DataLoader<HistorySampleKey, HistoryRowModel[], string>(
      bySource(sources, (s, keys: HistorySampleKey[]) => s.sampledHistory(keys), (k) => k.run.source),
      { cacheKeyFn: (k) => `${runKey({ source: k.run.source, projectId: k.run.projectId, runId: k.run.sourceId })}|${k.samples}|${k.keys.join('\u0000')}` },
    ),
    registeredModelByName: new DataLoader<ModelKey, RegisteredModelModel | null, string>(
      bySource(sources, (s, keys) => s.getRegisteredModels(keys.map((k) => k.name))),
      { cacheKeyFn: (k) => `${k.source}|${k.name}` },
    ),
    modelVersionByKey: new DataLoader<VersionKey, ModelVersionModel | null, string>(
      bySource(sources, (s, keys) => s.getModelVersions(keys.map((k) => ({ model: k.model, version: k.version })))),
      { cacheKeyFn: (k) => `${k.source}|${k.model}|${k.version}` },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
