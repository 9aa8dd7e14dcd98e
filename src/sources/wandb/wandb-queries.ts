/**
 * Operations shaped like the wandb SDK's own (wandb/apis/public/runs.py, files.py, history), so the
 * gateway asks W&B nothing the SDK does not. Batched reads reuse the SDK's fields under aliases.
 */
import type { AliasedPart } from './document-merger';

export const RUN_FRAGMENT = `fragment RunFragment on Run {
  id tags name displayName sweepName state group jobType commit readOnly createdAt heartbeatAt
  description notes historyLineCount user { name username }
  config systemMetrics summaryMetrics historyKeys
}`;

export const VIEWER = `query Viewer { viewer { id entity username } }`;

export const PROJECT = `query Project($project: String!, $entity: String!) {
  project(name: $project, entityName: $entity) { id internalId name entityName }
}`;

export const RUNS = `query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    internalId
    runCount(filters: $filters)
    readOnly
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { projectId ...RunFragment } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}
${RUN_FRAGMENT}`;

export const RUN_COUNT = `query RunCount($project: String!, $entity: String!, $filters: JSONString) {
  project(name: $project, entityName: $entity) { runCount(filters: $filters) }
}`;

export const RUN_FILES = `query RunFiles($project: String!, $entity: String!, $name: String!, $fileCursor: String, $fileLimit: Int = 50, $fileNames: [String] = [], $upload: Boolean = false, $pattern: String) {
  project(name: $project, entityName: $entity) {
    internalId
    run(name: $name) {
      fileCount
      files(names: $fileNames, after: $fileCursor, first: $fileLimit, pattern: $pattern) {
        edges { node { id name url(upload: $upload) directUrl sizeBytes mimetype updatedAt md5 } cursor }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
}`;

export interface HistoryTarget {
  entity: string;
  project: string;
  run: string;
  specs: string[];
}

/** The SDK's RunSampledHistory, once per run under aliases, so many runs cost one request. */
export const sampledHistoryPart = (targets: HistoryTarget[]) => (x: string): AliasedPart => ({
  op: 'wandb.sampledHistory',
  name: 'RunSampledHistory',
  varDecls: targets.map((_, i) => `$${x}e${i}: String!, $${x}p${i}: String!, $${x}r${i}: String!, $${x}s${i}: [JSONString!]!`),
  fields: targets.map((_, i) => `${x}h${i}: project(name: $${x}p${i}, entityName: $${x}e${i}) { run(name: $${x}r${i}) { sampledHistory(specs: $${x}s${i}) } }`),
  fragments: [],
  variables: Object.assign({}, ...targets.map((t, i) => ({ [`${x}e${i}`]: t.entity, [`${x}p${i}`]: t.project, [`${x}r${i}`]: t.run, [`${x}s${i}`]: t.specs }))) as Record<string, unknown>,
});

/** The SDK's RunFullHistory for `run.history(stream="events")`: the run's system metrics, sampled to `samples`. */
export const RUN_EVENTS = `query RunFullHistory($project: String!, $entity: String!, $name: String!, $samples: Int) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { events(samples: $samples) }
  }
}`;

export const PROJECTS = `query Projects($entity: String, $cursor: String, $perPage: Int = 50) {
  models(entityName: $entity, after: $cursor, first: $perPage) {
    edges { node { id name entityName createdAt isBenchmark } cursor }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** The SDK's SweepFragment (wandb/apis/_generated/operations.py). */
export const SWEEP_FRAGMENT = `fragment SweepFragment on Sweep {
  __typename id name displayName method state description bestLoss config createdAt updatedAt runCount runCountExpected
}`;

/** The SDK's GetSweeps (`project.sweeps()`), with its filters argument. */
export const SWEEPS = `query GetSweeps($project: String!, $entity: String!, $filters: JSONString!, $cursor: String, $perPage: Int = 50) {
  project(name: $project, entityName: $entity) {
    totalSweeps
    sweeps(after: $cursor, first: $perPage, filters: $filters) {
      pageInfo { __typename endCursor hasNextPage }
      edges { node { ...SweepFragment } cursor }
    }
  }
}
${SWEEP_FRAGMENT}`;

export interface SweepTarget {
  entity: string;
  project: string;
  sweep: string;
}

/** The SDK's GetSweep, once per sweep under aliases, so the sweeps of a page of runs cost one request. */
export const sweepsPart = (targets: SweepTarget[]) => (x: string): AliasedPart => ({
  op: 'wandb.sweep',
  name: 'GetSweep',
  varDecls: targets.map((_, i) => `$${x}e${i}: String, $${x}p${i}: String, $${x}n${i}: String!`),
  fields: targets.map((_, i) => `${x}s${i}: project(name: $${x}p${i}, entityName: $${x}e${i}) { sweep(sweepName: $${x}n${i}) { ...SweepFragment } }`),
  fragments: [SWEEP_FRAGMENT],
  variables: Object.assign({}, ...targets.map((t, i) => ({ [`${x}e${i}`]: t.entity, [`${x}p${i}`]: t.project, [`${x}n${i}`]: t.sweep }))) as Record<string, unknown>,
});

/** The SDK's ProjectViews (`api.reports()`), reports being views of type "runs". */
export const REPORTS = `query ProjectViews($project: String!, $entity: String!, $reportCursor: String, $reportLimit: Int!, $viewType: String = "runs", $viewName: String) {
  project(name: $project, entityName: $entity) {
    allViews(viewType: $viewType, viewName: $viewName, first: $reportLimit, after: $reportCursor) {
      edges { node { id name displayName description user { username photoUrl email } spec updatedAt createdAt } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}`;

/** wandb-workspaces' SpecificReport (`Report.from_url()`), once per report under aliases. */
export const reportsPart = (ids: string[]) => (x: string): AliasedPart => ({
  op: 'wandb.report',
  name: 'SpecificReport',
  varDecls: ids.map((_, i) => `$${x}r${i}: ID!`),
  fields: ids.map((_, i) => `${x}r${i}: view(id: $${x}r${i}) { id name displayName description project { id name entityName } createdAt updatedAt spec user { username } }`),
  fragments: [],
  variables: Object.fromEntries(ids.map((id, i) => [`${x}r${i}`, id])),
});

/** wandb-workspaces' upsertView (`Report.save()`): `id` null creates a report. */
export const UPSERT_VIEW = `mutation upsertView($id: ID, $entityName: String, $projectName: String, $type: String, $name: String, $displayName: String, $description: String, $spec: String!) {
  upsertView(input: { id: $id, entityName: $entityName, projectName: $projectName, name: $name, displayName: $displayName, description: $description, type: $type, createdUsing: WANDB_SDK, spec: $spec }) {
    view { id type name displayName description project { id name entityName } spec updatedAt }
    inserted
  }
}`;

/** The SDK's `run.update()` / `run.summary.update()`: W&B replaces whatever config or summary it is given. */
export const UPSERT_BUCKET = `mutation UpsertBucket($id: String, $displayName: String, $notes: String, $tags: [String!], $config: JSONString, $summaryMetrics: JSONString, $groupName: String, $jobType: String) {
  upsertBucket(input: { id: $id, displayName: $displayName, notes: $notes, tags: $tags, config: $config, summaryMetrics: $summaryMetrics, groupName: $groupName, jobType: $jobType }) {
    bucket { id }
  }
}`;

/** As wandb's InternalApi.create_run_files (run.upload_file): one upload URL per name. */
export const CREATE_RUN_FILES = `mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) { runID uploadHeaders files { name uploadUrl } }
}`;

/** As wandb-core after a successful PUT, for servers without object-store notifications. */
export const MARK_RUN_FILES_UPLOADED = `mutation MarkRunFilesUploaded($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  markRunFilesUploaded(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) { success }
}`;

/** As the SDK's File.delete(), by file ids, with the project's internal id. */
export const DELETE_FILES = `mutation DeleteFiles($files: [ID!]!, $projectId: Int) {
  deleteFiles(input: {files: $files, projectId: $projectId}) { success }
}`;
