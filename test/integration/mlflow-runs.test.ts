import type { ManifestRun } from '../helpers/manifest';
import { experimentByName, iso, projectGid, realMlflowApp, runByName, runGid } from '../helpers/real-mlflow';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import type { Manifest } from '../helpers/manifest';

const RUN_FIELDS = `
  id sourceId name state createdAt endedAt user notes gitCommit command webUrl
  config summary historyKeys
  tags { key value } systemTags { key value }
  source { name kind }
  project { name sourceId }
`;

interface RunOut {
  id: string;
  sourceId: string;
  name: string;
  state: string;
  createdAt: string | null;
  endedAt: string | null;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  tags: Array<{ key: string; value: string }>;
  [k: string]: unknown;
}

const STATE: Record<string, string> = { FINISHED: 'FINISHED', FAILED: 'FAILED', RUNNING: 'RUNNING', KILLED: 'KILLED', SCHEDULED: 'PENDING' };
const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key));

/** What the gateway must answer for a run, computed from what the mlflow client reported. */
function expected(run: ManifestRun, experimentName: string) {
  return {
    id: runGid(run),
    sourceId: run.id,
    name: run.name,
    state: STATE[run.status],
    createdAt: iso(run.startTime),
    endedAt: iso(run.endTime),
    user: run.user,
    notes: run.notes,
    gitCommit: run.gitCommit,
    command: run.sourceName,
    webUrl: `${process.env.MLGATE_TEST_MLFLOW_URL}/#/experiments/${run.experimentId}/runs/${run.id}`,
    config: run.params,
    summary: Object.fromEntries(Object.entries(run.metrics).map(([k, m]) => [k, m.value])),
    historyKeys: Object.keys(run.metrics).sort(),
    tags: kv(run.tags),
    systemTags: kv(run.systemTags),
    source: { name: 'mlflow', kind: 'MLFLOW' },
    project: { name: experimentName, sourceId: run.experimentId },
  };
}

describe('runs from a real MLflow server', () => {
  let app: TestApp;
  let manifest: Manifest;
  beforeAll(async () => {
    ({ app, manifest } = await realMlflowApp());
  });
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('returns each run of an experiment exactly as the mlflow client logged it', async () => {
    const exp = experimentByName(manifest, 'mlgate-main');
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: RunOut[]; totalCount: number } }>(`query($p: ID!) { runs(projectId: $p, first: 20) { totalCount nodes { ${RUN_FIELDS} } } }`, {
        p: projectGid(exp.id),
      }),
      app.calls,
    );
    const want = exp.runIds.map((id) => expected(manifest.runs.find((r) => r.id === id) as ManifestRun, exp.name));
    expect([...data.runs.nodes].sort((a, b) => a.sourceId.localeCompare(b.sourceId))).toEqual(want.sort((a, b) => a.sourceId.localeCompare(b.sourceId)));
    expect(data.runs.totalCount).toBe(exp.runIds.length);
  });

  it('serves a 50-run page with config, summary and tags from one MLflow request', async () => {
    const exp = experimentByName(manifest, 'mlgate-page');
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: RunOut[] } }>(`query($p: ID!) { runs(projectId: $p, first: 50) { nodes { name config summary tags { key value } } } }`, {
        p: projectGid(exp.id),
      }),
      app.calls,
    );
    expect(data.runs.nodes).toHaveLength(50);
    for (const node of data.runs.nodes) {
      const run = runByName(manifest, node.name);
      expect(node.config).toEqual(run.params);
      expect(node.summary).toEqual(Object.fromEntries(Object.entries(run.metrics).map(([k, m]) => [k, m.value])));
      expect(node.tags).toEqual(kv(run.tags));
    }
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1 });
  });

  it('pages through 60 runs with gateway cursors, newest first, without gaps or repeats', async () => {
    const exp = experimentByName(manifest, 'mlgate-page');
    const names: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const data: { runs: { nodes: Array<{ name: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } = expectNoErrors(
        await app.gql(`query($p: ID!, $after: String) { runs(projectId: $p, first: 7, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }`, {
          p: projectGid(exp.id),
          after,
        }),
      );
      names.push(...data.runs.nodes.map((n) => n.name));
      if (!data.runs.pageInfo.hasNextPage) break;
      after = data.runs.pageInfo.endCursor;
    }
    const want = exp.runIds.map((id) => manifest.runs.find((r) => r.id === id) as ManifestRun).sort((a, b) => b.startTime - a.startTime).map((r) => r.name);
    expect(names).toEqual(want);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 9 });
  });

  it('keeps its place when runs are added between pages: no repeats, no gaps, one search per page', async () => {
    const url = process.env.MLGATE_TEST_MLFLOW_URL as string;
    const api = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return (await res.json()) as T;
    };
    const { experiment_id } = await api<{ experiment_id: string }>('experiments/create', { name: `keyset-${Date.now()}` });
    const t0 = Date.UTC(2026, 0, 1);
    // Ten runs a minute apart, two of them sharing a start time.
    const starts = [0, 1, 2, 3, 4, 4, 5, 6, 7, 8].map((m) => t0 + m * 60_000);
    for (const [i, start] of starts.entries()) await api('runs/create', { experiment_id, start_time: start, run_name: `k${i}` });
    const page = (after: string | null) =>
      app.gql<{ runs: { nodes: Array<{ name: string }>; pageInfo: { endCursor: string; hasNextPage: boolean } } }>(
        `query($p: ID!, $after: String) { runs(projectId: $p, first: 4, after: $after, orderBy: ["-created_at"]) { nodes { name } pageInfo { endCursor hasNextPage } } }`,
        { p: projectGid(experiment_id), after },
      );
    const first = expectNoErrors(await page(null));
    // A newer run (before the cursor) and an older one (after it) arrive between pages.
    await api('runs/create', { experiment_id, start_time: t0 + 9 * 60_000, run_name: 'newer' });
    await api('runs/create', { experiment_id, start_time: t0 - 60_000, run_name: 'older' });
    app.calls.reset();
    const second = expectNoErrors(await page(first.runs.pageInfo.endCursor));
    const third = expectNoErrors(await page(second.runs.pageInfo.endCursor));
    const names = [first, second, third].flatMap((p) => p.runs.nodes.map((n) => n.name));
    expect(names.slice(0, 4)).toEqual(['k9', 'k8', 'k7', 'k6']);
    // The two runs sharing a start time come in run id order, whichever that is.
    expect(new Set(names.slice(4, 6))).toEqual(new Set(['k4', 'k5']));
    expect(names.filter((n) => n !== 'k4' && n !== 'k5')).toEqual(['k9', 'k8', 'k7', 'k6', 'k3', 'k2', 'k1', 'k0', 'older']);
    expect(third.runs.pageInfo.hasNextPage).toBe(false);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 2 });
  });

  it('filters in the MongoDB-style language (MLflow answers what its grammar can, the gateway the rest), orders and counts exactly', async () => {
    const exp = experimentByName(manifest, 'mlgate-page');
    const filter = { 'summary.acc': { $gte: 0.3 }, $or: [{ 'config.lr': { $lt: 0.003 } }, { 'config.idx': { $in: [31, 33] } }] };
    const data = expectNoErrors(
      await app.gql<{ runs: { totalCount: number; nodes: Array<{ name: string }> } }>(
        `query($p: ID!, $f: JSON) { runs(projectId: $p, first: 3, filter: $f, orderBy: ["summary.acc"]) { totalCount nodes { name } } }`,
        { p: projectGid(exp.id), f: filter },
      ),
      app.calls,
    );
    const matching = manifest.runs.filter(
      (r) => r.experimentId === exp.id && (r.metrics.acc?.value ?? 0) >= 0.3 && (Number(r.params.lr) < 0.003 || [31, 33].includes(Number(r.params.idx))),
    );
    const want = matching.sort((a, b) => (a.metrics.acc?.value ?? 0) - (b.metrics.acc?.value ?? 0)).map((r) => r.name);
    expect(want.length).toBeGreaterThan(3);
    expect(data.runs.nodes.map((n) => n.name)).toEqual(want.slice(0, 3));
    expect(data.runs.totalCount).toBe(matching.length);
    // One search with `metrics.acc >= 0.3` pushed down; the $or is checked by the gateway.
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1 });
  });

  it('reads one run by global id, by node(id), and batches several into one request', async () => {
    const [a, b] = [runByName(manifest, 'baseline'), runByName(manifest, 'failed-run')];
    const data = expectNoErrors(
      await app.gql<{ a: RunOut; b: RunOut; n: { name: string } }>(
        `query($a: ID!, $b: ID!) { a: run(id: $a) { ${RUN_FIELDS} } b: run(id: $b) { name state } n: node(id: $a) { ... on Run { name } } }`,
        { a: runGid(a), b: runGid(b) },
      ),
      app.calls,
    );
    expect(data.a).toEqual(expected(a, 'mlgate-main'));
    expect(data.b).toEqual({ name: 'failed-run', state: 'FAILED' });
    expect(data.n).toEqual({ name: 'baseline' });
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.experiments.get': 1 });
  });

  it('lists experiments as projects', async () => {
    const data = expectNoErrors(
      await app.gql<{ projects: { nodes: Array<{ name: string; sourceId: string; tags: unknown }> } }>(`{ projects(first: 50) { nodes { name sourceId tags { key value } } } }`),
    );
    for (const exp of manifest.experiments) {
      expect(data.projects.nodes).toContainEqual({ name: exp.name, sourceId: exp.id, tags: kv(exp.tags) });
    }
  });

  it.each([
    ['a garbage filter string', (p: string) => `{ runs(projectId: "${p}", filter: "this is ((( not a filter") { nodes { name } } }`, 'BAD_USER_INPUT'],
    ['an unknown filter operator', (p: string) => `{ runs(projectId: "${p}", filter: {config_lr: {gt: 1}}) { nodes { name } } }`, 'BAD_USER_INPUT'],
    ['an unknown experiment', () => `{ runs(projectId: "${projectGid('987654')}") { nodes { name } } }`, 'NOT_FOUND'],
    ['a negative first', (p: string) => `{ runs(projectId: "${p}", first: -3) { nodes { name } } }`, 'BAD_USER_INPUT'],
    ['a malformed id', () => `{ run(id: "####") { name } }`, 'BAD_USER_INPUT'],
  ])('answers %s with a typed error naming the source, and nothing else', async (_what, query, code) => {
    const exp = experimentByName(manifest, 'mlgate-main');
    const res = await app.gql(query(projectGid(exp.id)));
    expect(errorCodes(res)).toEqual([code]);
    expect(Object.values(res.data ?? {}).every((v) => v === null)).toBe(true);
  });
});
