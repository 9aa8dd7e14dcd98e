import { badInput, GatewayError, gatewayError, notFound } from '../../errors';
import type { MlflowSourceConfig } from '../../config';
import type { HistoryRowModel, ModelVersionModel, Page, RegisteredModelModel, ReportModel, RunFileModel, RunModel, SweepModel, SystemMetricsRowModel } from '../../models';
import type { SourceDeps } from '../upstream';
import type {
  FileDownload,
  FileUpload,
  HistoryWindow,
  ModelVersionRef,
  OffsetPage,
  RunRef,
  RunStreamPage,
  RunStreamQuery,
  SampledHistoryRequest,
  SourceConnector,
  SystemMetricsHistory,
} from '../source';
import type { FilterNode } from '../../filters/ast';
import { compileMlflow } from '../../filters/mlflow';
import { SCAN_PAGE, scanAll, streamPage, type SearchFn } from './run-stream';
import { applyMlflowChange } from './run-writer';
import { Limiter } from '../../writes/limiter';
import type { RunChange } from '../run-change';
import { MLFLOW_LIMITS, MlflowClient } from './mlflow-client';
import { MlflowImportReader, type ImportReaderOptions } from './import-reader';
import type { ImportSource } from '../../imports/source';
import type { Mlflow } from './mlflow-types';
import { deleteMlflowFiles, uploadMlflowFile } from './run-files';
import { toHistoryRows, toModelVersion, toProject, toRegisteredModel, toRun, toRunFile } from './to-model';

/** Writes in flight per MLflow source; the rest queue in the gateway (see Limiter). */
const WRITES_IN_FLIGHT = 4;

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RUNS_PER_IN_FILTER = 100;

/** MLflow's system-metrics monitor logs ordinary metrics under this prefix, one step per sample. */
const SYSTEM_METRIC_PREFIX = 'system/';
/** Steps of system metrics read per window: one bulk-interval request per key, well under its 2500 points. */
const SYSTEM_WINDOW_STEPS = 1000;

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** Quotes a string literal for MLflow's filter grammar, which has no escape for a quote inside. */
function literal(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw badInput('A name containing both \' and " cannot be looked up in MLflow.');
}

/** A missing object is `null` in batch results; every other failure propagates. */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof GatewayError && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

/** Fetches one extra item so `hasMore` is exact (MLflow returns a page token whenever a page is full). */
function page<T>(items: T[], limit: number): Page<T> {
  return { items: items.slice(0, limit), hasMore: items.length > limit };
}

/** An MLflow tracking server as a source: experiments are projects, params are config. */
export class MlflowSource implements SourceConnector {
  /** MLflow's tracking store takes writes one at a time (SQLite) or a few (a database): queue the rest here. */
  private readonly writes = new Limiter(WRITES_IN_FLIGHT);
  readonly info;
  readonly supports = { registry: true, sweeps: false, reports: false };
  private readonly client: MlflowClient;
  private readonly base: string;

  constructor(config: MlflowSourceConfig, deps: SourceDeps) {
    this.info = { name: config.name, kind: 'MLFLOW' as const, url: config.url };
    this.base = config.url;
    this.client = new MlflowClient(config, deps);
  }

  private get name(): string {
    return this.info.name;
  }

  ping(): Promise<void> {
    return this.client.health();
  }

  /** What an import reads from this server (src/imports/); only reads, never a write. */
  importSource(opts?: ImportReaderOptions): ImportSource {
    return new MlflowImportReader(this.client, this.name, this.base, opts);
  }

  async listProjects({ offset, limit }: OffsetPage) {
    const res = await this.client.searchExperiments({ offset, maxResults: limit + 1 });
    return page((res.experiments ?? []).map((e) => toProject(this.name, this.base, e)), limit);
  }

  async getProject(projectId: string) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(projectId)) return null;
    const res = await orNull(this.client.getExperiment(projectId));
    if (!res || res.experiment.lifecycle_stage === 'deleted') return null;
    return toProject(this.name, this.base, res.experiment);
  }

  private search: SearchFn = async ({ projectId, filter, orderBy, offset, maxResults }) => {
    const res = await this.client.searchRuns({ experimentIds: [projectId], filter, orderBy, offset, maxResults, viewType: 'ACTIVE_ONLY' });
    return this.runs(res.runs);
  };

  streamRuns(q: RunStreamQuery): Promise<RunStreamPage> {
    if (!RUN_ID.test(q.projectId)) throw notFound('The project does not exist.', { source: this.name });
    return streamPage(this.search, q);
  }

  /** MLflow has no count endpoint: pages through the matches, keeping only the number unless the gateway must filter. */
  async countRuns(q: { projectId: string; filter: FilterNode | null }): Promise<number> {
    if (!RUN_ID.test(q.projectId)) throw notFound('The project does not exist.', { source: this.name });
    const { pushdown, residual } = compileMlflow(q.filter);
    if (residual) return (await scanAll(this.search, q.projectId, q.filter, null)).length;
    let total = 0;
    for (;;) {
      const res = await this.client.searchRuns({ experimentIds: [q.projectId], filter: pushdown, orderBy: null, offset: total, maxResults: SCAN_PAGE, viewType: 'ACTIVE_ONLY' });
      const n = res.runs?.length ?? 0;
      total += n;
      if (n < SCAN_PAGE) return total;
    }
  }

  /** Runs whose experiment is known cost one search per experiment; the others one get each. */
  async getRuns(refs: RunRef[]): Promise<Array<RunModel | null>> {
    const found = new Map<string, RunModel>();
    const byProject = new Map<string, string[]>();
    const loose: string[] = [];
    for (const ref of refs) {
      if (!RUN_ID.test(ref.runId)) continue;
      if (ref.projectId && RUN_ID.test(ref.projectId)) byProject.set(ref.projectId, [...(byProject.get(ref.projectId) ?? []), ref.runId]);
      else loose.push(ref.runId);
    }
    const searches = [...byProject].flatMap(([projectId, ids]) =>
      chunk([...new Set(ids)], RUNS_PER_IN_FILTER).map(async (ids) => {
        const res = await this.client.searchRuns({
          experimentIds: [projectId],
          filter: `attributes.run_id IN (${ids.map((id) => `'${id}'`).join(', ')})`,
          orderBy: null,
          offset: 0,
          maxResults: ids.length,
          viewType: 'ALL',
        });
        for (const run of this.runs(res.runs)) found.set(`${run.projectId}/${run.sourceId}`, run);
      }),
    );
    const gets = [...new Set(loose)].map(async (id) => {
      const res = await orNull(this.client.getRun(id));
      if (res) found.set(id, toRun(this.name, this.base, res.run));
    });
    await Promise.all([...searches, ...gets]);
    return refs.map((ref) => found.get(ref.projectId ? `${ref.projectId}/${ref.runId}` : ref.runId) ?? null);
  }

  /** One bulk-interval request per key per 100 runs, whatever the number of runs asking. */
  async sampledHistory(requests: SampledHistoryRequest[]): Promise<HistoryRowModel[][]> {
    const groups = new Map<string, { key: string; samples: number; runIds: Set<string> }>();
    for (const r of requests) {
      const samples = Math.min(r.samples, MLFLOW_LIMITS.pointsPerBulkHistory);
      for (const key of r.keys) {
        const id = `${samples}\u0000${key}`;
        const group = groups.get(id) ?? { key, samples, runIds: new Set<string>() };
        group.runIds.add(r.run.sourceId);
        groups.set(id, group);
      }
    }
    const points = new Map<string, Mlflow.Metric[]>();
    await Promise.all(
      [...groups.values()].flatMap((g) =>
        chunk([...g.runIds], MLFLOW_LIMITS.runsPerBulkHistory).map(async (runIds) => {
          const res = await this.client.getHistoryBulkInterval({ runIds, key: g.key, maxResults: g.samples });
          for (const m of res.metrics ?? []) {
            const id = `${m.run_id}\u0000${g.samples}\u0000${m.key}`;
            points.set(id, [...(points.get(id) ?? []), m]);
          }
        }),
      ),
    );
    return requests.map((r) => {
      const samples = Math.min(r.samples, MLFLOW_LIMITS.pointsPerBulkHistory);
      return toHistoryRows(r.keys.flatMap((k) => points.get(`${r.run.sourceId}\u0000${samples}\u0000${k}`) ?? []));
    });
  }

  async historyWindow(run: RunModel, w: HistoryWindow): Promise<HistoryRowModel[]> {
    const series = await Promise.all(w.keys.map((key) => this.unsampledWindow(run.sourceId, key, w.fromStep, w.toStep)));
    return toHistoryRows(series.flat());
  }

  /**
   * The bulk-interval endpoint samples only when a window holds more points than `max_results`;
   * a full answer therefore means the window may have been sampled, and it is split until none is.
   */
  private async unsampledWindow(runId: string, key: string, from: number, to: number): Promise<Mlflow.Metric[]> {
    const max = MLFLOW_LIMITS.pointsPerBulkHistory;
    const res = await this.client.getHistoryBulkInterval({ runIds: [runId], key, maxResults: max, startStep: from, endStep: to });
    const metrics = res.metrics ?? [];
    if (metrics.length < max || from >= to) return metrics;
    const mid = Math.floor((from + to) / 2);
    const [a, b] = await Promise.all([this.unsampledWindow(runId, key, from, mid), this.unsampledWindow(runId, key, mid + 1, to)]);
    return [...a, ...b];
  }

  /** The `system/...` metrics, unsampled, read window by window as the caller consumes them. */
  async systemMetricsHistory(run: RunModel): Promise<SystemMetricsHistory> {
    const keys = Object.keys(run.latestMetrics).filter((k) => k.startsWith(SYSTEM_METRIC_PREFIX)).sort();
    const last = Math.max(-1, ...keys.map((k) => run.latestMetrics[k]?.step ?? -1));
    return { keys, stepped: true, batches: this.systemMetricWindows(run, keys, last) };
  }

  private async *systemMetricWindows(run: RunModel, keys: string[], last: number): AsyncGenerator<SystemMetricsRowModel[]> {
    for (let from = 0; from <= last; from += SYSTEM_WINDOW_STEPS) {
      const rows = await this.historyWindow(run, { keys, fromStep: from, toStep: Math.min(from + SYSTEM_WINDOW_STEPS - 1, last) });
      if (rows.length) yield rows;
    }
  }

  async listFiles(run: RunRef, path: string, recursive: boolean): Promise<RunFileModel[]> {
    const res = await this.client.listArtifacts(run.runId, path);
    const entries = (res.files ?? []).map(toRunFile);
    if (!recursive) return entries;
    const nested = await Promise.all(entries.map((e) => (e.isDir ? this.listFiles(run, e.path, true) : Promise.resolve([e]))));
    return nested.flat();
  }

  async openFile(run: RunRef, path: string): Promise<FileDownload> {
    const res = await this.client.downloadArtifact(run.runId, path);
    if (!res.body) throw badInput(`'${path}' has no content to download.`, { source: this.name });
    const length = res.headers.get('content-length');
    return { body: res.body, contentType: res.headers.get('content-type'), contentLength: length === null ? null : Number(length) };
  }

  uploadFile(run: RunRef, path: string, upload: FileUpload): Promise<void> {
    if (!RUN_ID.test(run.runId)) throw notFound('The run does not exist.', { source: this.name });
    return uploadMlflowFile(this.client, this.name, this.base, run.runId, path, upload);
  }

  async deleteFiles(run: RunRef, choose: (paths: string[]) => string[]): Promise<string[]> {
    if (!RUN_ID.test(run.runId)) throw notFound('The run does not exist.', { source: this.name });
    const files = (await this.listFiles(run, '', true)).filter((f) => !f.isDir).map((f) => f.path).sort();
    return deleteMlflowFiles(this.client, this.name, this.base, run.runId, files, choose);
  }

  /** MLflow has no sweeps: an experiment has none, and asking for one by id says so. */
  listSweeps(): Promise<Page<SweepModel>> {
    return Promise.resolve({ items: [], hasMore: false });
  }

  getSweeps(): Promise<never> {
    return Promise.reject(gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' has no sweeps.`, { source: this.name }));
  }

  /** Reports are W&B's; an MLflow experiment has none. */
  listReports(): Promise<Page<ReportModel>> {
    return Promise.resolve({ items: [], hasMore: false });
  }

  getReports(): Promise<never> {
    return Promise.reject(gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' has no reports.`, { source: this.name }));
  }

  listRegistries(): Promise<never> {
    return Promise.reject(gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' has no registries; its registered models are listed by registeredModels.`, { source: this.name }));
  }

  searchModelVersions(): Promise<never> {
    return Promise.reject(gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' has no registries to search versions across.`, { source: this.name }));
  }

  updateRun(ref: RunRef, change: RunChange): Promise<void> {
    if (!RUN_ID.test(ref.runId)) return Promise.reject(notFound('The run does not exist.', { source: this.name }));
    return this.writes.run(() => applyMlflowChange(this.client, this.name, ref.runId, change));
  }

  createReport(): Promise<never> {
    return Promise.reject(gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' has no reports; create reports in a W&B project.`, { source: this.name }));
  }

  async listRegisteredModels(q: OffsetPage & { filter: string | null }): Promise<Page<RegisteredModelModel>> {
    const maxResults = Math.min(q.limit + 1, MLFLOW_LIMITS.registeredModelsPerSearch);
    const res = await this.client.searchRegisteredModels({ filter: q.filter, offset: q.offset, maxResults });
    return page((res.registered_models ?? []).map((m) => toRegisteredModel(this.name, this.base, m)), q.limit);
  }

  async getRegisteredModels(names: string[]) {
    return Promise.all(
      names.map(async (name) => {
        const res = await orNull(this.client.getRegisteredModel(name));
        return res ? toRegisteredModel(this.name, this.base, res.registered_model) : null;
      }),
    );
  }

  /** model-versions/search leaves out aliases, so they are taken from the registered model. */
  async listModelVersions(model: string, q: OffsetPage, filter?: Record<string, unknown> | null): Promise<Page<ModelVersionModel>> {
    if (filter && Object.keys(filter).length) throw gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' cannot filter a model's versions; W&B registries can.`, { source: this.name });
    const [res, parent] = await Promise.all([
      this.client.searchModelVersions({ filter: `name = ${literal(model)}`, offset: q.offset, maxResults: q.limit + 1 }),
      this.client.getRegisteredModel(model),
    ]);
    const aliases = parent.registered_model.aliases ?? [];
    return page(
      (res.model_versions ?? []).map((v) =>
        toModelVersion(this.name, this.base, { ...v, aliases: v.aliases ?? aliases.filter((a) => a.version === v.version).map((a) => a.alias) }),
      ),
      q.limit,
    );
  }

  async getModelVersions(refs: ModelVersionRef[]) {
    return Promise.all(
      refs.map(async (ref) => {
        if (!/^\d{1,18}$/.test(ref.version)) return null;
        const res = await orNull(this.client.getModelVersion(ref.model, ref.version));
        return res ? toModelVersion(this.name, this.base, res.model_version) : null;
      }),
    );
  }

  /**
   * Aliases are the registered model's: an added alias moves from whichever version held it. A
   * removed alias is deleted only if it points at this version, so a stale request cannot take an
   * alias away from the version it has since moved to.
   */
  async setModelVersionAliases(ref: ModelVersionRef, change: { add: string[]; remove: string[] }): Promise<void> {
    const current = await orNull(this.client.getRegisteredModel(ref.model));
    const version = await orNull(this.client.getModelVersion(ref.model, ref.version));
    if (!current || !version) throw notFound('The model version does not exist.', { source: this.name });
    const held = new Set((current.registered_model.aliases ?? []).filter((a) => a.version === ref.version).map((a) => a.alias));
    for (const alias of change.remove) if (held.has(alias)) await this.client.deleteModelAlias(ref.model, alias);
    for (const alias of change.add) await this.client.setModelAlias(ref.model, alias, ref.version);
  }

  /** The model and the run must exist before the version is created: MLflow would accept a dangling run id. */
  async createModelVersion(req: { model: string; runId: string; path: string; description: string | null }): Promise<ModelVersionRef> {
    if (!(await orNull(this.client.getRegisteredModel(req.model)))) throw notFound(`MLflow source '${this.name}' has no registered model ${JSON.stringify(req.model)}.`, { source: this.name, argument: 'model' });
    if (!(await orNull(this.client.getRun(req.runId)))) throw notFound(`MLflow source '${this.name}' has no run ${JSON.stringify(req.runId)}.`, { source: this.name, argument: 'artifactUri' });
    const res = await this.client.createModelVersion({ name: req.model, source: `runs:/${req.runId}/${req.path}`, runId: req.runId, description: req.description });
    return { model: req.model, version: res.model_version.version };
  }

  linkArtifact(): Promise<never> {
    return Promise.reject(
      gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${this.name}' has no artifact linking; register a model version from a run's artifacts (\`runs:/<run id>/<path>\`) instead.`, { source: this.name }),
    );
  }

  private runs(runs: Mlflow.Run[] | undefined): RunModel[] {
    return (runs ?? []).map((r) => toRun(this.name, this.base, r));
  }
}
