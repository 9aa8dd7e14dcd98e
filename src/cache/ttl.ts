/**
 * How long an upstream answer may be reused, by operation. Only reads are listed: an operation not
 * here (every write, and health checks) is never cached. Lists go stale first; slow-changing things
 * live longer.
 */
const SECOND = 1000;
export const CACHE_TTL_MS: Readonly<Record<string, number>> = {
  'mlflow.experiments.search': 120 * SECOND,
  'mlflow.experiments.get': 120 * SECOND,
  'mlflow.runs.search': 30 * SECOND,
  'mlflow.runs.get': 30 * SECOND,
  'mlflow.metrics.getHistoryBulkInterval': 60 * SECOND,
  'mlflow.artifacts.list': 30 * SECOND,
  'mlflow.registeredModels.search': 60 * SECOND,
  'mlflow.registeredModels.get': 60 * SECOND,
  'mlflow.modelVersions.search': 60 * SECOND,
  'mlflow.modelVersions.get': 60 * SECOND,
  'wandb.viewer': 300 * SECOND,
  'wandb.orgInfo': 300 * SECOND,
  'wandb.registries': 60 * SECOND,
  'wandb.registryCollections': 60 * SECOND,
  'wandb.registryVersions': 60 * SECOND,
  'wandb.projects': 120 * SECOND,
  'wandb.project': 120 * SECOND,
  'wandb.runs': 30 * SECOND,
  'wandb.runCount': 30 * SECOND,
  'wandb.sampledHistory': 60 * SECOND,
  'wandb.events': 60 * SECOND,
  'wandb.runFiles': 30 * SECOND,
  'wandb.sweeps': 60 * SECOND,
  'wandb.sweep': 60 * SECOND,
  'wandb.reports': 60 * SECOND,
  'wandb.report': 60 * SECOND,
};

/** A merged read (`wandb.sampledHistory+wandb.sweep`) lives as long as its shortest-lived part; a part never cached makes it uncached. */
export function cacheTtl(op: string): number | undefined {
  const ttls = op.split('+').map((part) => CACHE_TTL_MS[part]);
  return ttls.some((t) => t === undefined) ? undefined : Math.min(...(ttls as number[]));
}
