/**
 * The write operations of the SDK's own run protocol (wandb-core `core/api/graphql/`), for imports:
 * the same mutation texts, trimmed to the arguments an import sets.
 */

/** wandb-core's UpsertBucket: a run is created by (entity, project, name) or updated in place. */
export const UPSERT_RUN = `mutation UpsertBucket($name: String, $project: String, $entity: String, $groupName: String, $displayName: String, $notes: String, $config: JSONString, $jobType: String, $state: String, $tags: [String!], $summaryMetrics: JSONString, $commit: String) {
  upsertBucket(input: { name: $name, modelName: $project, entityName: $entity, groupName: $groupName, displayName: $displayName, notes: $notes, config: $config, jobType: $jobType, state: $state, tags: $tags, summaryMetrics: $summaryMetrics, commit: $commit }) {
    bucket { id name historyLineCount }
    inserted
  }
}`;

/** scan_history's page (wandb-core HistoryPage): every row with minStep <= _step < maxStep, as JSON strings. */
export const HISTORY_PAGE = `query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
  project(name: $project, entityName: $entity) { run(name: $run) { history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize) } }
}`;

export namespace ImportWire {
  export interface HistoryPage {
    project?: { run?: { history?: string[] | null } | null } | null;
  }
  export interface UpsertRun {
    upsertBucket?: { bucket?: { id: string; name: string; historyLineCount?: number | null } | null; inserted?: boolean | null } | null;
  }
  /** One file of a file_stream request: `content` lines replace the file's lines from `offset`. */
  export interface FileChunk {
    offset: number;
    content: string[];
  }
  /** wandb-core's FileStreamRequestJSON (core/internal/filestream/filestreamrequest.go). */
  export interface FileStreamRequest {
    files?: Record<string, FileChunk>;
    uploaded?: string[];
    complete?: boolean;
    exitcode?: number;
  }
}
