/**
 * Operations shaped like the wandb SDK's own (wandb/apis/public/runs.py, files.py, history), so the
 * gateway asks W&B nothing the SDK does not. Batched history reuses the SDK's fields under aliases.
 */
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
export function sampledHistoryQuery(targets: HistoryTarget[]): { query: string; variables: Record<string, unknown> } {
  const vars: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  targets.forEach((t, i) => {
    vars.push(`$e${i}: String!, $p${i}: String!, $r${i}: String!, $s${i}: [JSONString!]!`);
    fields.push(`h${i}: project(name: $p${i}, entityName: $e${i}) { run(name: $r${i}) { sampledHistory(specs: $s${i}) } }`);
    Object.assign(variables, { [`e${i}`]: t.entity, [`p${i}`]: t.project, [`r${i}`]: t.run, [`s${i}`]: t.specs });
  });
  return { query: `query RunSampledHistory(${vars.join(', ')}) {\n  ${fields.join('\n  ')}\n}`, variables };
}

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
export function sweepsQuery(targets: SweepTarget[]): { query: string; variables: Record<string, unknown> } {
  const vars: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  targets.forEach((t, i) => {
    vars.push(`$e${i}: String, $p${i}: String, $n${i}: String!`);
    fields.push(`s${i}: project(name: $p${i}, entityName: $e${i}) { sweep(sweepName: $n${i}) { ...SweepFragment } }`);
    Object.assign(variables, { [`e${i}`]: t.entity, [`p${i}`]: t.project, [`n${i}`]: t.sweep });
  });
  return { query: `query GetSweep(${vars.join(', ')}) {\n  ${fields.join('\n  ')}\n}\n${SWEEP_FRAGMENT}`, variables };
}

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
export function reportsQuery(ids: string[]): { query: string; variables: Record<string, unknown> } {
  const vars = ids.map((_, i) => `$r${i}: ID!`);
  const fields = ids.map((_, i) => `r${i}: view(id: $r${i}) { id name displayName description project { id name entityName } createdAt updatedAt spec user { username } }`);
  return { query: `query SpecificReport(${vars.join(', ')}) {\n  ${fields.join('\n  ')}\n}`, variables: Object.fromEntries(ids.map((id, i) => [`r${i}`, id])) };
}
