/** The import job operations the import tests send, and what they read back. */
export const JOB = `id state counts { found done skipped failed } problems(first: 20) { runId reason at } startedAt endedAt
  source { source experiments filter } destination { source entity project remap { experiment project } }
  options { includeArtifacts incremental parallelism } error`;
export const START = `mutation($input: ImportInput!) { startImport(input: $input) { ${JOB} } }`;
export const GET = `query($id: ID!) { importJob(id: $id) { ${JOB} } }`;
export const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface Job {
  id: string;
  state: string;
  counts: { found: number; done: number; skipped: number; failed: number };
  problems: Array<{ runId: string; reason: string; at: string }>;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
}
