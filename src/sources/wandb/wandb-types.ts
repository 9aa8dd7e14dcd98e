/** W&B GraphQL response shapes, per operation, as the wandb SDK reads them. */
export namespace Wandb {
  export interface Run {
    id: string;
    name: string;
    displayName?: string | null;
    projectId?: number;
    state?: string | null;
    tags?: string[] | null;
    group?: string | null;
    jobType?: string | null;
    sweepName?: string | null;
    commit?: string | null;
    createdAt?: string | null;
    heartbeatAt?: string | null;
    description?: string | null;
    notes?: string | null;
    historyLineCount?: number | null;
    user?: { name?: string | null; username?: string | null } | null;
    /** JSON strings, as W&B sends them. */
    config?: string | null;
    summaryMetrics?: string | null;
    systemMetrics?: string | null;
    historyKeys?: { keys?: Record<string, unknown>; lastStep?: number | null } | null;
  }
  export interface PageInfo {
    endCursor?: string | null;
    hasNextPage: boolean;
  }
  export interface Connection<T> {
    edges: Array<{ node: T; cursor: string }>;
    pageInfo: PageInfo;
  }
  export interface File {
    id: string;
    name: string;
    url?: string | null;
    directUrl?: string | null;
    sizeBytes?: number | null;
    mimetype?: string | null;
    updatedAt?: string | null;
  }
  export interface Sweep {
    id: string;
    name: string;
    displayName?: string | null;
    method?: string | null;
    state?: string | null;
    description?: string | null;
    bestLoss?: number | null;
    /** The sweep configuration as YAML. */
    config?: string | null;
    createdAt?: string | null;
    updatedAt?: string | null;
    runCount?: number | null;
    runCountExpected?: number | null;
  }
  export interface View {
    id: string;
    name?: string | null;
    displayName?: string | null;
    description?: string | null;
    user?: { username?: string | null } | null;
    project?: { name: string; entityName: string } | null;
    /** The report's specification as a JSON string. */
    spec?: string | null;
    createdAt?: string | null;
    updatedAt?: string | null;
  }
  export interface GraphqlResponse<T> {
    data?: T | null;
    errors?: Array<{ message?: string }>;
  }

  export namespace Response {
    export interface Viewer {
      viewer: { id: string; entity?: string | null; username?: string | null } | null;
    }
    export interface Project {
      project: { id: string; internalId?: string; name: string; entityName?: string } | null;
    }
    export interface Projects {
      models: Connection<{ id: string; name: string; entityName: string; createdAt?: string | null }> | null;
    }
    export interface Runs {
      project: { internalId?: string; runCount: number; runs: Connection<Run> | null } | null;
    }
    export interface RunCount {
      project: { runCount: number } | null;
    }
    /** Aliased per run: `h0`, `h1`, ... each a project holding one run's sampled history. */
    export type SampledHistory = Record<string, { run: { sampledHistory: Array<Array<Record<string, unknown>>> } | null } | null>;
    /** Each event is a JSON-encoded object: `_timestamp` (seconds), `_runtime` and `system.*` keys. */
    export interface RunEvents {
      project: { run: { events: string[] } | null } | null;
    }
    export interface Sweeps {
      project: { totalSweeps?: number; sweeps: Connection<Sweep> | null } | null;
    }
    /** Aliased per sweep: `s0`, `s1`, ... each a project holding one sweep. */
    export type SweepsByName = Record<string, { sweep: Sweep | null } | null>;
    export interface Reports {
      project: { allViews: Connection<View> | null } | null;
    }
    /** Aliased per report: `r0`, `r1`, ... */
    export type ReportsById = Record<string, View | null>;
    export interface UpsertView {
      upsertView: { view: { id: string; name: string; project: { id: string; name: string; entityName: string } | null } | null; inserted: boolean } | null;
    }
    export interface RunFiles {
      project: { internalId?: string; run: { fileCount: number; files: Connection<File> | null } | null } | null;
    }
    export interface CreateRunFiles {
      createRunFiles: { runID: string | null; uploadHeaders: string[] | null; files: Array<{ name: string; uploadUrl: string | null }> } | null;
    }
    export interface Success {
      [field: string]: { success: boolean } | null;
    }
  }
}
