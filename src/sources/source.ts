import type { HistoryRowModel, ModelVersionModel, Page, ProjectModel, RegisteredModelModel, RegistryModel, ReportDraft, ReportModel, RunFileModel, RunModel, SourceModel, SweepModel, SystemMetricsRowModel } from '../models';
import type { RunChange } from './run-change';
import type { FilterNode } from '../filters/ast';
import type { RunOrder, SortValue } from '../filters/order';

export interface OffsetPage {
  offset: number;
  limit: number;
  /** The source's own cursor for `offset`, when it pages by cursor (from a previous page). */
  token?: string | null;
}

/**
 * Where a run stream resumes: after a W&B cursor (`t`), or after a position in the gateway's order
 * (`k`: the sort value and run id of the last run read), which stays right when runs are added.
 */
export type StreamState = { t: string } | { k: [SortValue, string] };

export interface RunStreamQuery {
  projectId: string;
  filter: FilterNode | null;
  order: RunOrder;
  limit: number;
  resume: StreamState | null;
}

/** Runs of one project in the requested order, each with the state to resume after it. */
export interface RunStreamPage {
  items: RunModel[];
  states: StreamState[];
  hasMore: boolean;
  /** The number of matches, when it came with the page. */
  total?: number;
}

export interface RunRef {
  /** Known when the run came from a listing; lets a source fetch many runs in one request. */
  projectId: string | null;
  runId: string;
}

export interface SampledHistoryRequest {
  run: RunModel;
  keys: string[];
  samples: number;
}

export interface HistoryWindow {
  keys: string[];
  fromStep: number;
  toStep: number;
}

/** A run's system metrics: names first, so a CSV header can be written before any row is read. */
export interface SystemMetricsHistory {
  keys: string[];
  /** Whether rows carry a step (MLflow) or only a time (W&B). */
  stepped: boolean;
  /** Rows in order, a batch at a time, read only as the caller asks for them. */
  batches: AsyncIterable<SystemMetricsRowModel[]>;
}

export interface FileDownload {
  body: ReadableStream<Uint8Array>;
  contentType: string | null;
  contentLength: number | null;
}

/** A file's bytes as they arrive from the caller, with their exact size (checked against the limit). */
export interface FileUpload {
  body: ReadableStream<Uint8Array>;
  length: number;
  /** Aborted when the caller goes away: the upstream upload is aborted, and nothing is marked uploaded. */
  signal?: AbortSignal;
}

export interface SweepRef {
  projectId: string;
  sweepId: string;
}

export interface ModelVersionRef {
  model: string;
  version: string;
}

/** An artifact version to link: by its path in the source, or as the source artifact of a model version. */
export type ArtifactRef = { path: { entity: string; project: string; name: string } } | { modelVersion: ModelVersionRef };

export interface LinkRequest {
  artifact: ArtifactRef;
  registry: string;
  collection: string;
  /** Validated by the caller. */
  aliases: string[];
  createCollection: boolean;
}

/**
 * What the gateway needs from an upstream, in source-neutral models. One implementation per
 * upstream; only it knows URLs, auth, paging and status codes. Batch methods return results in the
 * order of their inputs, with `null` for what does not exist.
 */
export interface SourceConnector {
  readonly info: SourceModel;
  /** What this source can serve; listings across sources skip sources without it. */
  readonly supports: { registry: boolean; sweeps: boolean; reports: boolean };
  /** Resolves when the upstream answers its health check. */
  ping(): Promise<void>;
  listProjects(page: OffsetPage): Promise<Page<ProjectModel>>;
  getProject(projectId: string): Promise<ProjectModel | null>;
  /** One page of a project's runs matching the filter exactly, in the order, after `resume`. */
  streamRuns(query: RunStreamQuery): Promise<RunStreamPage>;
  countRuns(query: { projectId: string; filter: FilterNode | null }): Promise<number>;
  getRuns(refs: RunRef[]): Promise<Array<RunModel | null>>;
  sampledHistory(requests: SampledHistoryRequest[]): Promise<HistoryRowModel[][]>;
  historyWindow(run: RunModel, window: HistoryWindow): Promise<HistoryRowModel[]>;
  /** The run's whole system-metrics history, unsampled where the source allows. */
  systemMetricsHistory(run: RunModel): Promise<SystemMetricsHistory>;
  listFiles(run: RunRef, path: string, recursive: boolean): Promise<RunFileModel[]>;
  openFile(run: RunRef, path: string): Promise<FileDownload>;
  /** Stores one file in the run (finished runs too), replacing a file at the same path. NOT_FOUND for no such run. */
  uploadFile(run: RunRef, path: string, upload: FileUpload): Promise<void>;
  /**
   * Lists every file of the run, lets `choose` pick paths among them (it validates, and may throw
   * before anything is deleted), deletes those and returns them.
   */
  deleteFiles(run: RunRef, choose: (paths: string[]) => string[]): Promise<string[]>;
  listSweeps(projectId: string, page: OffsetPage): Promise<Page<SweepModel>>;
  getSweeps(refs: SweepRef[]): Promise<Array<SweepModel | null>>;
  listReports(projectId: string, page: OffsetPage): Promise<Page<ReportModel>>;
  /** By the source's report ids; `null` for ids that do not exist. */
  getReports(ids: string[]): Promise<Array<ReportModel | null>>;
  /** Applies a validated change to a run, or refuses all of it (UNSUPPORTED_BY_SOURCE) before writing. */
  updateRun(ref: RunRef, change: RunChange): Promise<void>;
  /** Creates a report from validated blocks; returns the new report's id in the source. */
  createReport(draft: ReportDraft): Promise<string>;
  /** `filter`: the source's own syntax (MLflow filter string, W&B JSON collection filter); `registry`: W&B only. */
  listRegisteredModels(query: OffsetPage & { filter: string | null; registry?: string | null }): Promise<Page<RegisteredModelModel>>;
  getRegisteredModels(names: string[]): Promise<Array<RegisteredModelModel | null>>;
  /** `filter`: W&B's version filter (tag, alias, metadata.*, version); MLflow takes none. */
  listModelVersions(model: string, page: OffsetPage, filter?: Record<string, unknown> | null): Promise<Page<ModelVersionModel>>;
  /** W&B registries of the organization; other sources have none. */
  listRegistries(filter: Record<string, unknown>): Promise<RegistryModel[]>;
  /** Versions across registries and collections (W&B). */
  searchModelVersions(q: OffsetPage & { registryFilter: Record<string, unknown>; collectionFilter: Record<string, unknown>; filter: Record<string, unknown> }): Promise<Page<ModelVersionModel>>;
  getModelVersions(refs: ModelVersionRef[]): Promise<Array<ModelVersionModel | null>>;
  /** Adds and removes aliases of one version (validated by the caller). */
  setModelVersionAliases(ref: ModelVersionRef, change: { add: string[]; remove: string[] }): Promise<void>;
  /** Links an artifact version into a registry collection (W&B); returns the linked version. */
  linkArtifact(req: LinkRequest): Promise<ModelVersionRef>;
  /** A new model version from a run's files (MLflow); validated by the caller. */
  createModelVersion(req: { model: string; runId: string; path: string; description: string | null }): Promise<ModelVersionRef>;
}
