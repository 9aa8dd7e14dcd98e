import type { WandbSourceConfig } from '../../config';
import { badInput, gatewayError, notFound } from '../../errors';
import type { HistoryRowModel, ModelVersionModel, Page, ProjectModel, RegisteredModelModel, RegistryModel, ReportDraft, ReportModel, RunFileModel, RunModel, SweepModel } from '../../models';
import type { FileDownload, FileUpload, HistoryWindow, LinkRequest, ModelVersionRef, OffsetPage, RunRef, RunStreamPage, RunStreamQuery, SampledHistoryRequest, SourceConnector, SweepRef, SystemMetricsHistory } from '../source';
import type { FilterNode } from '../../filters/ast';
import { wandbOrder } from '../../filters/order';
import { toWandbFilter } from '../../filters/wandb';
import type { SourceDeps } from '../upstream';
import { WandbClient } from './wandb-client';
import { WandbImportDestination } from './import-destination';
import { WandbImportReader } from './import-reader';
import type { ImportDestination } from '../../imports/destination';
import type { ImportSource } from '../../imports/source';
import type { HistoryTarget } from './wandb-queries';
import { appUrl, toHistoryRows, toRun, toSweep, toSystemMetricRows } from './to-model';
import { buildReportSpec, newViewName } from './report-build';
import { jsonObjectFilter as wandbFilter } from '../../filters/json-object';
import { WandbRegistries } from './registry';
import { WandbRegistryWrites } from './registry-writes';
import { applyWandbChange } from './run-writer';
import type { RunChange } from '../run-change';
import { RunLocks } from '../../writes/run-lock';
import { toReport } from './report-spec';
import { deleteWandbFiles, uploadWandbFile, type WandbRunPath } from './run-files';

const IDS_PER_REQUEST = 100;
const FILES_PER_PAGE = 1000;
/** Aliased runs per sampled-history request; keeps each W&B request a modest size. */
const RUNS_PER_HISTORY_REQUEST = 50;
/**
 * W&B serves system metrics only as a sample of at most `samples` events; a run logs one event per
 * 15 s by default, so this many covers about 17 days of a run before W&B starts sampling.
 */
const EVENT_SAMPLES = 100_000;
/** Aliased sweeps or reports per GetSweep or SpecificReport request. */
const SWEEPS_PER_REQUEST = 50;

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** `entity/project`, the W&B project's id in the gateway. */
function splitProject(projectId: string): { entity: string; project: string } {
  const [entity, project, ...rest] = projectId.split('/');
  if (!entity || !project || rest.length) throw notFound('The project does not exist.', {});
  return { entity, project };
}

/** A W&B instance as a source: projects are `entity/project`, runs are addressed by run id. */
export class WandbSource implements SourceConnector {
  readonly info;
  readonly supports = { registry: true, sweeps: true, reports: true };
  private readonly client: WandbClient;
  private readonly registries: WandbRegistries;
  private readonly registryWrites: WandbRegistryWrites;
  private readonly locks: RunLocks;
  private defaultEntity: Promise<string> | null;

  constructor(private readonly config: WandbSourceConfig, deps: SourceDeps) {
    this.info = { name: config.name, kind: 'WANDB' as const, url: config.url };
    this.client = new WandbClient(config, deps);
    this.locks = deps.locks ?? new RunLocks(null, { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined });
    this.registries = new WandbRegistries(this.client, config.name, config.url, () => this.entity());
    this.registryWrites = new WandbRegistryWrites(this.client, this.registries, config.name);
    this.defaultEntity = config.entity ? Promise.resolve(config.entity) : null;
  }

  /** This instance as the destination of imports (MLflow → W&B), writing with the SDK's run protocol. */
  importDestination(): ImportDestination {
    return new WandbImportDestination(this.client, this.name);
  }

  /** This instance as the source of imports into another W&B project or instance; only reads. */
  importSource(): ImportSource {
    return new WandbImportReader(this.client, this, this.name);
  }

  private get name() {
    return this.info.name;
  }

  /**
   * The API key's default entity, asked once per process (one key per source). With callers' own
   * keys each key has its own entity, so it is asked per request (the Viewer read is cached).
   */
  entity(): Promise<string> {
    const ask = () =>
      this.client.viewer().then((v) => {
        if (!v.viewer?.entity) throw gatewayError('UNAUTHENTICATED', `W&B source '${this.name}' did not recognise the API key.`, { source: this.name });
        return v.viewer.entity;
      });
    if (this.config.credentials === 'caller' && !this.config.entity) return ask();
    this.defaultEntity ??= ask();
    this.defaultEntity.catch(() => (this.defaultEntity = null));
    return this.defaultEntity;
  }

  async ping(): Promise<void> {
    const v = await this.client.viewer();
    if (!v.viewer) throw gatewayError('UNAUTHENTICATED', `W&B source '${this.name}' did not recognise the API key.`, { source: this.name });
  }

  private project(entity: string, name: string, createdAt: string | null = null): ProjectModel {
    return {
      source: this.name,
      sourceId: `${entity}/${name}`,
      name,
      createdAt: createdAt ? new Date(`${createdAt}${/[zZ]$/.test(createdAt) ? '' : 'Z'}`) : null,
      updatedAt: null,
      tags: [],
      webUrl: `${appUrl(this.config.url)}/${encodeURIComponent(entity)}/${encodeURIComponent(name)}`,
    };
  }

  async listProjects({ limit, token }: OffsetPage): Promise<Page<ProjectModel>> {
    const entity = await this.entity();
    const res = await this.client.projects(entity, token ?? null, limit);
    const edges = res.models?.edges ?? [];
    return {
      items: edges.map((e) => this.project(e.node.entityName, e.node.name, e.node.createdAt ?? null)),
      hasMore: res.models?.pageInfo.hasNextPage ?? false,
      upstreamCursors: edges.map((e) => e.cursor),
    };
  }

  async getProject(projectId: string): Promise<ProjectModel | null> {
    const { entity, project } = splitProject(projectId);
    const res = await this.client.project(entity, project);
    return res.project ? this.project(entity, res.project.name) : null;
  }

  /** Filter and order go to W&B whole, in W&B's keys; W&B's own cursors resume the stream. */
  async streamRuns(q: RunStreamQuery): Promise<RunStreamPage> {
    const { entity, project } = splitProject(q.projectId);
    if (q.resume && !('t' in q.resume)) throw badInput('This cursor cannot resume a W&B listing; start again without `after`.', { argument: 'after' });
    const filters = q.filter ? toWandbFilter(q.filter) : {};
    const res = await this.client.runs({ entity, project, cursor: q.resume?.t ?? null, perPage: q.limit, order: wandbOrder(q.order), filters }, Boolean(q.filter));
    if (!res.project) throw notFound('The project does not exist.', { source: this.name });
    const edges = res.project.runs?.edges ?? [];
    return {
      items: edges.map((e) => toRun(this.name, this.config.url, entity, project, e.node)),
      states: edges.map((e) => ({ t: e.cursor })),
      hasMore: res.project.runs?.pageInfo.hasNextPage ?? false,
      total: res.project.runCount,
    };
  }

  async countRuns(q: { projectId: string; filter: FilterNode | null }): Promise<number> {
    const { entity, project } = splitProject(q.projectId);
    const res = await this.client.runCount(entity, project, q.filter ? toWandbFilter(q.filter) : {});
    if (!res.project) throw notFound('The project does not exist.', { source: this.name });
    return res.project.runCount;
  }

  /** Runs of one project cost one request for up to 100 ids (`name $in`), as W&B filters allow. */
  async getRuns(refs: RunRef[]): Promise<Array<RunModel | null>> {
    const found = new Map<string, RunModel>();
    const byProject = new Map<string, Set<string>>();
    for (const ref of refs) if (ref.projectId) byProject.set(ref.projectId, (byProject.get(ref.projectId) ?? new Set()).add(ref.runId));
    await Promise.all(
      [...byProject].flatMap(([projectId, ids]) =>
        chunk([...ids], IDS_PER_REQUEST).map(async (names) => {
          const { entity, project } = splitProject(projectId);
          const res = await this.client.runs({ entity, project, cursor: null, perPage: names.length, order: null, filters: { name: { $in: names } } }, false);
          for (const e of res.project?.runs?.edges ?? []) found.set(`${projectId}/${e.node.name}`, toRun(this.name, this.config.url, entity, project, e.node));
        }),
      ),
    );
    return refs.map((ref) => (ref.projectId ? found.get(`${ref.projectId}/${ref.runId}`) ?? null : null));
  }

  private target(run: RunModel, specs: object[]): HistoryTarget {
    const { entity, project } = splitProject(run.projectId);
    return { entity, project, run: run.sourceId, specs: specs.map((s) => JSON.stringify(s)) };
  }

  /** Each key is its own spec, so each is sampled alone, as MLflow's per-key sampling is. */
  private async historyOf(targets: HistoryTarget[]): Promise<HistoryRowModel[][]> {
    const results: HistoryRowModel[][] = [];
    for (const group of chunk(targets, RUNS_PER_HISTORY_REQUEST)) {
      const res = await this.client.sampledHistory(group);
      group.forEach((_, i) => results.push(toHistoryRows((res[`h${i}`]?.run?.sampledHistory ?? []).flat())));
    }
    return results;
  }

  sampledHistory(requests: SampledHistoryRequest[]): Promise<HistoryRowModel[][]> {
    return this.historyOf(requests.map((r) => this.target(r.run, r.keys.map((k) => ({ keys: ['_step', '_timestamp', k], samples: r.samples })))));
  }

  /** A window asks for as many samples as it has steps, so W&B returns every row in it. */
  async historyWindow(run: RunModel, w: HistoryWindow): Promise<HistoryRowModel[]> {
    const samples = w.toStep - w.fromStep + 1;
    const specs = w.keys.map((k) => ({ keys: ['_step', '_timestamp', k], samples, minStep: w.fromStep, maxStep: w.toStep }));
    const [rows] = await this.historyOf([this.target(run, specs)]);
    return rows ?? [];
  }

  /** One request: the SDK's `run.history(stream="events")` with enough samples for the whole run. */
  async systemMetricsHistory(run: RunModel): Promise<SystemMetricsHistory> {
    const { entity, project } = splitProject(run.projectId);
    const res = await this.client.runEvents(entity, project, run.sourceId, EVENT_SAMPLES);
    if (!res.project?.run) throw notFound('The run does not exist.', { source: this.name });
    const rows = toSystemMetricRows(res.project.run.events);
    const keys = new Set<string>();
    for (const row of rows) for (const k of Object.keys(row.values)) keys.add(k);
    const underscoreFirst = (a: string, b: string) => Number(b.startsWith('_')) - Number(a.startsWith('_')) || (a < b ? -1 : a > b ? 1 : 0);
    return {
      keys: [...keys].sort(underscoreFirst),
      stepped: false,
      batches: (async function* () {
        if (rows.length) yield rows;
      })(),
    };
  }

  /** W&B files are a flat list of names; directories are derived from the `/` in them. */
  async listFiles(run: RunRef, path: string, recursive: boolean): Promise<RunFileModel[]> {
    if (!run.projectId) throw notFound('The run does not exist.', { source: this.name });
    const { entity, project } = splitProject(run.projectId);
    const prefix = path ? `${path}/` : '';
    const files: RunFileModel[] = [];
    const dirs = new Set<string>();
    let cursor: string | null = null;
    for (;;) {
      const res = await this.client.runFiles({ entity, project, run: run.runId, cursor, limit: FILES_PER_PAGE, pattern: prefix ? `${prefix}%` : undefined });
      if (!res.project?.run) throw notFound('The run does not exist.', { source: this.name });
      const conn = res.project.run.files;
      for (const { node } of conn?.edges ?? []) {
        if (!node.name.startsWith(prefix)) continue;
        const rest = node.name.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (recursive || slash < 0) files.push({ path: node.name, name: node.name.slice(node.name.lastIndexOf('/') + 1), isDir: false, size: node.sizeBytes ?? 0 });
        else dirs.add(rest.slice(0, slash));
      }
      if (!conn?.pageInfo.hasNextPage) break;
      cursor = conn.edges[conn.edges.length - 1]?.cursor ?? null;
    }
    const dirEntries = [...dirs].map((d) => ({ path: `${prefix}${d}`, name: d, isDir: true, size: null }));
    return [...dirEntries, ...files].sort((a, b) => a.path.localeCompare(b.path));
  }

  async openFile(run: RunRef, path: string): Promise<FileDownload> {
    if (!run.projectId) throw notFound('The run does not exist.', { source: this.name });
    const { entity, project } = splitProject(run.projectId);
    const res = await this.client.runFiles({ entity, project, run: run.runId, cursor: null, limit: 1, names: [path] });
    const file = res.project?.run?.files?.edges[0]?.node;
    if (!file?.url || file.name !== path) throw notFound(`The run has no file '${path}'.`, { source: this.name });
    const body = await this.client.download(file.url);
    if (!body.body) throw notFound(`The run has no file '${path}'.`, { source: this.name });
    const length = body.headers.get('content-length');
    return { body: body.body, contentType: body.headers.get('content-type'), contentLength: length === null ? null : Number(length) };
  }

  uploadFile(run: RunRef, path: string, upload: FileUpload): Promise<void> {
    return uploadWandbFile(this.client, this.name, this.runPath(run), path, upload);
  }

  deleteFiles(run: RunRef, choose: (paths: string[]) => string[]): Promise<string[]> {
    return deleteWandbFiles(this.client, this.name, this.runPath(run), choose);
  }

  private runPath(run: RunRef): WandbRunPath {
    if (!run.projectId) throw notFound('The run does not exist.', { source: this.name });
    return { ...splitProject(run.projectId), run: run.runId };
  }

  async listSweeps(projectId: string, { limit, token, offset }: OffsetPage): Promise<Page<SweepModel>> {
    const { entity, project } = splitProject(projectId);
    if (offset > 0 && !token) throw badInput('This cursor cannot resume a W&B listing; start again without `after`.', { argument: 'after' });
    const res = await this.client.sweeps(entity, project, token ?? null, limit);
    if (!res.project) throw notFound('The project does not exist.', { source: this.name });
    const edges = res.project.sweeps?.edges ?? [];
    return {
      items: edges.map((e) => toSweep(this.name, this.config.url, entity, project, e.node)),
      hasMore: res.project.sweeps?.pageInfo.hasNextPage ?? false,
      upstreamCursors: edges.map((e) => e.cursor),
      total: res.project.totalSweeps,
    };
  }

  /** Sweeps of any projects, up to 50 in one request (the SDK's GetSweep under aliases). */
  async getSweeps(refs: SweepRef[]): Promise<Array<SweepModel | null>> {
    const out: Array<SweepModel | null> = [];
    for (const group of chunk(refs, SWEEPS_PER_REQUEST)) {
      const targets = group.map((r) => ({ ...splitProject(r.projectId), sweep: r.sweepId }));
      const res = await this.client.sweepsByName(targets);
      targets.forEach((t, i) => {
        const sweep = res[`s${i}`]?.sweep;
        out.push(sweep ? toSweep(this.name, this.config.url, t.entity, t.project, sweep) : null);
      });
    }
    return out;
  }

  async listReports(projectId: string, { limit, token, offset }: OffsetPage): Promise<Page<ReportModel>> {
    const { entity, project } = splitProject(projectId);
    if (offset > 0 && !token) throw badInput('This cursor cannot resume a W&B listing; start again without `after`.', { argument: 'after' });
    const res = await this.client.reports(entity, project, token ?? null, limit);
    if (!res.project) throw notFound('The project does not exist.', { source: this.name });
    const edges = res.project.allViews?.edges ?? [];
    return {
      items: edges.map((e) => toReport(this.name, this.config.url, entity, project, e.node)),
      hasMore: res.project.allViews?.pageInfo.hasNextPage ?? false,
      upstreamCursors: edges.map((e) => e.cursor),
    };
  }

  /** Reports by view id, up to 50 in one request (wandb-workspaces' SpecificReport under aliases). */
  async getReports(ids: string[]): Promise<Array<ReportModel | null>> {
    const out: Array<ReportModel | null> = [];
    for (const group of chunk(ids, SWEEPS_PER_REQUEST)) {
      const res = await this.client.reportsById(group);
      group.forEach((_, i) => {
        const view = res[`r${i}`];
        out.push(view?.project ? toReport(this.name, this.config.url, view.project.entityName, view.project.name, view) : null);
      });
    }
    return out;
  }

  updateRun(ref: RunRef, change: RunChange): Promise<void> {
    if (!ref.projectId) return Promise.reject(notFound('The run does not exist.', { source: this.name }));
    const { entity, project } = splitProject(ref.projectId);
    return applyWandbChange(this.client, this.locks, this.name, { entity, project, runId: ref.runId }, change);
  }

  /** Checks the project (and reads its internal id, which run sets carry), then saves the report. */
  async createReport(draft: ReportDraft): Promise<string> {
    const { entity, project } = splitProject(draft.projectId);
    const found = await this.client.project(entity, project);
    if (!found.project) throw notFound('The project does not exist.', { source: this.name });
    const spec = buildReportSpec(draft.blocks, { entity, project, internalId: found.project.internalId ?? found.project.id });
    const res = await this.client.upsertView({ entity, project, name: newViewName(), title: draft.title, description: draft.description, spec });
    const id = res.upsertView?.view?.id;
    if (!id) throw gatewayError('UPSTREAM_ERROR', `W&B source '${this.name}' did not return the saved report.`, { source: this.name });
    return id;
  }

  listRegisteredModels(q: OffsetPage & { filter: string | null; registry?: string | null }): Promise<Page<RegisteredModelModel>> {
    return this.registries.listCollections({ ...q, filter: wandbFilter(q.filter, 'filter') });
  }
  getRegisteredModels(names: string[]): Promise<Array<RegisteredModelModel | null>> {
    return this.registries.getCollections(names);
  }
  listModelVersions(model: string, page: OffsetPage, filter?: Record<string, unknown> | null): Promise<Page<ModelVersionModel>> {
    return this.registries.listCollectionVersions(model, page, filter ?? {});
  }
  getModelVersions(refs: ModelVersionRef[]): Promise<Array<ModelVersionModel | null>> {
    return this.registries.getVersions(refs);
  }
  listRegistries(filter: Record<string, unknown>): Promise<RegistryModel[]> {
    return this.registries.listRegistries(filter);
  }
  searchModelVersions(q: OffsetPage & { registryFilter: Record<string, unknown>; collectionFilter: Record<string, unknown>; filter: Record<string, unknown> }): Promise<Page<ModelVersionModel>> {
    return this.registries.listVersions(q);
  }
  setModelVersionAliases(ref: ModelVersionRef, change: { add: string[]; remove: string[] }): Promise<void> {
    return this.registryWrites.setAliases(ref, change);
  }
  linkArtifact(req: LinkRequest): Promise<ModelVersionRef> {
    return this.registryWrites.link(req);
  }
  createModelVersion(): Promise<never> {
    return Promise.reject(gatewayError('UNSUPPORTED_BY_SOURCE', `W&B source '${this.name}' registers versions by linking logged artifacts: use linkArtifact.`, { source: this.name }));
  }
}
