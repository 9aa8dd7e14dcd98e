/**
 * Source-neutral models: what resolvers receive. Each source's to-model.ts is the only code that
 * turns upstream shapes into these.
 */
export type SourceKind = 'MLFLOW' | 'WANDB';

export interface SourceModel {
  name: string;
  kind: SourceKind;
  url: string;
}

export interface TagModel {
  key: string;
  value: string | null;
}

export type RunState =
  | 'PENDING'
  | 'RUNNING'
  | 'FINISHED'
  | 'FAILED'
  | 'CRASHED'
  | 'KILLED'
  | 'PREEMPTING'
  | 'PREEMPTED'
  | 'UNKNOWN';

export interface ProjectModel {
  source: string;
  sourceId: string;
  name: string;
  createdAt: Date | null;
  updatedAt: Date | null;
  tags: TagModel[];
  webUrl: string;
}

export interface MetricPoint {
  value: number | string;
  step: number;
  timestamp: Date;
}

export interface RunModel {
  source: string;
  /** The upstream's run id. */
  sourceId: string;
  projectId: string;
  name: string;
  state: RunState;
  createdAt: Date | null;
  endedAt: Date | null;
  user: string | null;
  notes: string | null;
  tags: TagModel[];
  systemTags: TagModel[];
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  /** The latest point of each metric, which bounds a history scan. */
  latestMetrics: Record<string, MetricPoint>;
  gitCommit: string | null;
  command: string | null;
  webUrl: string;
  group: string | null;
  jobType: string | null;
  /** The sweep's id within the run's project (W&B `sweepName`). */
  sweepName: string | null;
  systemMetrics: Record<string, unknown> | null;
}

export type SweepState = 'PENDING' | 'RUNNING' | 'PAUSED' | 'CANCELED' | 'FINISHED' | 'FAILED' | 'CRASHED' | 'UNKNOWN';

export interface SweepModel {
  source: string;
  projectId: string;
  /** The sweep's id within its project. */
  sourceId: string;
  name: string;
  state: SweepState;
  method: string;
  description: string | null;
  config: Record<string, unknown>;
  metric: { name: string; goal: 'MINIMIZE' | 'MAXIMIZE' } | null;
  bestValue: number | null;
  runCount: number;
  expectedRunCount: number | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  webUrl: string;
}

export type ReportBlockType = 'TABLE_OF_CONTENTS' | 'HEADING' | 'PARAGRAPH' | 'MARKDOWN' | 'PANEL_GRID' | 'OTHER';

export interface ReportPanelModel {
  type: string;
  title: string | null;
  x: string | null;
  y: string[];
}

export interface ReportBlockModel {
  type: ReportBlockType;
  rawType: string;
  level: number | null;
  text: string | null;
  markdown: string | null;
  panels: ReportPanelModel[] | null;
}

export interface ReportModel {
  source: string;
  /** The upstream's id of the report (W&B view id). */
  sourceId: string;
  projectId: string;
  title: string;
  description: string | null;
  author: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  webUrl: string;
  blocks: ReportBlockModel[];
  spec: Record<string, unknown>;
}

/** A report to create, validated: what the caller asked for, in source-neutral terms. */
export type ReportDraftBlock =
  | { type: 'TABLE_OF_CONTENTS' }
  | { type: 'HEADING'; level: 1 | 2 | 3; text: string }
  | { type: 'PARAGRAPH'; text: string }
  | { type: 'MARKDOWN'; markdown: string }
  | { type: 'PANEL_GRID'; runIds: string[] | null; plots: ReportLinePlotDraft[] };

export interface ReportLinePlotDraft {
  title: string | null;
  x: string;
  y: string[];
  xTitle: string | null;
  yTitle: string | null;
}

export interface ReportDraft {
  projectId: string;
  title: string;
  description: string | null;
  blocks: ReportDraftBlock[];
}

export interface HistoryRowModel {
  step: number;
  timestamp: Date | null;
  values: Record<string, number | string>;
}

/** One sample of a run's system metrics (CPU, memory, GPU...). */
export interface SystemMetricsRowModel {
  /** MLflow logs system metrics by step; W&B's system events have none (`null`). */
  step: number | null;
  timestamp: Date | null;
  values: Record<string, number | string>;
}

export interface RunFileModel {
  path: string;
  name: string;
  isDir: boolean;
  size: number | null;
}

export interface RegisteredModelModel {
  source: string;
  name: string;
  description: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  tags: TagModel[];
  /** Null when the source lists them only with the versions (W&B collections): read on demand. */
  aliases: Array<{ alias: string; version: string }> | null;
  webUrl: string;
  /** The W&B registry holding this collection (without `wandb-registry-`); absent for MLflow. */
  registry?: string | null;
  /** The collection's artifact type (W&B), e.g. `model`. */
  type?: string | null;
}

/** A W&B registry: a project `wandb-registry-<name>` of the organization. */
export interface RegistryModel {
  source: string;
  name: string;
  organization: string;
  description: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export type ModelVersionStatus = 'READY' | 'PENDING' | 'FAILED';

export interface ModelVersionModel {
  source: string;
  modelName: string;
  version: string;
  description: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  user: string | null;
  status: ModelVersionStatus;
  aliases: string[];
  tags: TagModel[];
  sourceUri: string | null;
  /** The producing run, when recorded; its project may be unknown (MLflow gives only the run id). */
  run: { sourceId: string; projectId: string | null } | null;
  webUrl: string;
  /** The artifact's metadata (W&B); absent for MLflow. */
  metadata?: Record<string, unknown> | null;
}

/**
 * One page of items from a source, addressed by offset. Sources with cursor paging (W&B) also give
 * their own cursor after each item, which the gateway keeps inside its cursors.
 */
export interface Page<T> {
  items: T[];
  hasMore: boolean;
  upstreamCursors?: string[];
  /** The number of matches, when the source gave it with the page (W&B `runCount`). */
  total?: number;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfoModel {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfoModel;
}

export interface RunConnectionModel extends Connection<RunModel> {
  /** Counting can cost upstream requests, so it runs only when `totalCount` is selected. */
  count: () => Promise<number>;
}

export interface ModelAliasModel {
  source: string;
  modelName: string;
  alias: string;
  version: string;
}
