/**
 * What a field can cost upstream, per instance of its parent. `batched` fields are loaded for a
 * whole page at once (dataloader), so 50 parents cost about one request; the others cost one
 * request (or more) for every parent. Fields not listed are served from what their parent already
 * holds and cost nothing.
 */
export interface FieldCost {
  requests: number;
  batched?: boolean;
}

/** Parents a batched call covers (W&B aliases, MLflow `run_id IN`, bulk history) in one request. */
export const BATCH_SIZE = 50;

export const FIELD_COSTS: Readonly<Record<string, FieldCost>> = {
  'Query.projects': { requests: 1 },
  'Query.project': { requests: 1 },
  'Query.runs': { requests: 1 },
  'Query.run': { requests: 1, batched: true },
  'Query.runByPath': { requests: 1, batched: true },
  'Query.sweep': { requests: 1, batched: true },
  'Query.sweepByPath': { requests: 1, batched: true },
  'Query.report': { requests: 1, batched: true },
  'Query.reportByUrl': { requests: 1, batched: true },
  'Query.registeredModels': { requests: 1 },
  'Query.registeredModel': { requests: 1 },
  'Query.modelVersion': { requests: 1 },
  'Query.node': { requests: 1 },
  'Query._entities': { requests: 1 },
  'Project.runs': { requests: 1 },
  'Project.runCount': { requests: 1 },
  'Project.sweeps': { requests: 1 },
  'Project.reports': { requests: 1 },
  'Run.project': { requests: 1, batched: true },
  'Run.sweep': { requests: 1, batched: true },
  // Sampled per key on MLflow (one bulk call per key): two keys on average.
  'Run.history': { requests: 2, batched: true },
  // One window per run, per key on MLflow.
  'Run.historyScan': { requests: 2 },
  'Run.files': { requests: 1 },
  'Sweep.project': { requests: 1, batched: true },
  'Sweep.runs': { requests: 1 },
  'Sweep.bestRun': { requests: 1 },
  'Report.project': { requests: 1, batched: true },
  'RegisteredModel.versions': { requests: 2 },
  'ModelVersion.model': { requests: 1, batched: true },
  'ModelVersion.run': { requests: 1, batched: true },
  'ModelAlias.version': { requests: 1 },
};

/** A mutation: a fresh read, the write, and the read-back. */
export const MUTATION_COST = 3;

/** Items a list without `first` is assumed to hold (files of a run, aliases of a model). */
export const UNBOUNDED_LIST_ITEMS = 20;
