import { encodeId } from '../../src/ids';
import type { FetchFn } from '../../src/sources/upstream';
import { csvObjects, parseCsv } from '../helpers/csv';
import { loadManifest, type Manifest, type ManifestRun } from '../helpers/manifest';
import { pythonJson } from '../helpers/python';
import { experimentByName, iso, projectGid, realMlflowApp, runByName, runGid } from '../helpers/real-mlflow';
import { buildTestApp, expectNoErrors, type TestApp } from '../helpers/test-app';
import { seededRun, TEST_WANDB_KEY } from '../helpers/wandb';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';
import type { Seed } from '../wandb-server/store';

const FIXED = ['id', 'source', 'project', 'name', 'displayName', 'state', 'createdAt', 'endedAt', 'user', 'tags'];

interface GqlRun {
  id: string;
  source: { name: string };
  project: { name: string };
  sourceId: string;
  name: string;
  state: string;
  createdAt: string | null;
  endedAt: string | null;
  user: string | null;
  tags: Array<{ key: string; value: string | null }>;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
}

const RUNS = `query($ids: [ID!], $filter: JSON, $orderBy: [String!]) {
  runs(projectIds: $ids, first: 500, filter: $filter, orderBy: $orderBy) {
    nodes { id source { name } project { name } sourceId name state createdAt endedAt user tags { key value } config summary }
    pageInfo { hasNextPage }
  }
}`;

/** The test's own reading of the export contract: dotted leaves, JSON for arrays, text for the rest. */
function leaves(value: Record<string, unknown>, prefix: string, out: Map<string, string>): Map<string, string> {
  for (const [k, v] of Object.entries(value)) {
    const key = `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) leaves(v as Record<string, unknown>, key, out);
    else out.set(key, v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  }
  return out;
}

/** The CSV that the same `runs` query implies: header and rows. */
function csvOfGraphql(nodes: GqlRun[]): { header: string[]; rows: Array<Record<string, string>> } {
  const flat = nodes.map((n) => leaves(n.summary, 'summary', leaves(n.config, 'config', new Map())));
  const keys = (root: string) => [...new Set(flat.flatMap((m) => [...m.keys()].filter((k) => k.startsWith(`${root}.`))))].sort();
  const header = [...FIXED, ...keys('config'), ...keys('summary')];
  const rows = nodes.map((n, i) => {
    const row: Record<string, string> = {
      id: n.id,
      source: n.source.name,
      project: n.project.name,
      name: n.sourceId,
      displayName: n.name,
      state: n.state,
      createdAt: n.createdAt ?? '',
      endedAt: n.endedAt ?? '',
      user: n.user ?? '',
      tags: n.tags.map((t) => (t.value === null ? t.key : `${t.key}=${t.value}`)).join(','),
    };
    for (const h of header.slice(FIXED.length)) row[h] = flat[i]?.get(h) ?? '';
    return row;
  });
  return { header, rows };
}

async function graphqlRuns(app: TestApp, ids: string[], filter: unknown, orderBy: string[] | null): Promise<GqlRun[]> {
  const data = expectNoErrors(await app.gql<{ runs: { nodes: GqlRun[]; pageInfo: { hasNextPage: boolean } } }>(RUNS, { ids, filter, orderBy }), app.calls);
  expect(data.runs.pageInfo.hasNextPage).toBe(false);
  return data.runs.nodes;
}

/** GET an export; supertest buffers text/csv as text. */
const getCsv = (app: TestApp, path: string, query: Record<string, string | string[]> = {}) => app.http.get(path).query(query);

function manifestRow(run: ManifestRun, project: string): Record<string, string> {
  return {
    id: runGid(run),
    source: 'mlflow',
    project,
    name: run.id,
    displayName: run.name,
    state: run.status,
    createdAt: iso(run.startTime) ?? '',
    endedAt: iso(run.endTime) ?? '',
    user: run.user || run.systemTags['mlflow.user'] || '',
    tags: Object.entries(run.tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    ...Object.fromEntries(Object.entries(run.params).map(([k, v]) => [`config.${k}`, v])),
    ...Object.fromEntries(Object.entries(run.metrics).map(([k, m]) => [`summary.${k}`, String(m.value)])),
  };
}

describe('CSV export from a real MLflow server', () => {
  let app: TestApp;
  let manifest: Manifest;
  beforeAll(async () => {
    ({ app, manifest } = await realMlflowApp());
  });
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('exports the filtered runs table: header and rows equal the runs query and the seeded runs, in one listing pass', async () => {
    const page = experimentByName(manifest, 'mlgate-page');
    const filter = { 'summary.acc': { $gte: 0.3 } };
    const res = await getCsv(app, '/export/runs.csv', { projectId: projectGid(page.id), filter: JSON.stringify(filter), orderBy: 'displayName' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="runs.csv"');
    // One search (the table fits the export's buffer, so one pass) and the experiment's name.
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.get': 1, 'mlflow.runs.search': 1 });
    const csv = csvObjects(res.text);

    const expected = manifest.runs
      .filter((r) => r.experimentId === page.id && (r.metrics.acc?.value ?? -1) >= 0.3)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => manifestRow(r, 'mlgate-page'));
    expect(expected).toHaveLength(30);
    expect(csv.header).toEqual([...FIXED, 'config.idx', 'config.lr', 'summary.acc', 'summary.loss']);
    expect(csv.rows).toEqual(expected);

    expect(csvOfGraphql(await graphqlRuns(app, [projectGid(page.id)], filter, ['displayName']))).toEqual(csv);
  });

  it('with named columns reads the listing once and writes only those columns', async () => {
    const main = experimentByName(manifest, 'mlgate-main');
    const res = await getCsv(app, '/export/runs.csv', { projectId: projectGid(main.id), columns: ['config.lr', 'summary.loss', 'config.missing'], orderBy: 'displayName' });
    expect(res.status).toBe(200);
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.get': 1, 'mlflow.runs.search': 1 });
    const csv = csvObjects(res.text);
    expect(csv.header).toEqual([...FIXED, 'config.lr', 'summary.loss', 'config.missing']);
    const byName = Object.fromEntries(csv.rows.map((r) => [r.displayName, r]));
    expect(Object.keys(byName).sort()).toEqual(['baseline', 'failed-run', 'long-history', 'still-running']);
    const baseline = runByName(manifest, 'baseline');
    expect(byName.baseline).toMatchObject({ 'config.lr': baseline.params.lr, 'summary.loss': String(baseline.metrics.loss?.value), 'config.missing': '', tags: 'priority=high,stage=dev' });
    expect(byName['still-running']).toMatchObject({ state: 'RUNNING', endedAt: '', 'config.lr': '' });
  });

  it('exports the full history of a 3000-step run, every step, window by window', async () => {
    const run = runByName(manifest, 'long-history');
    const res = await getCsv(app, `/export/runs/${runGid(run)}/history.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${run.id}-history.csv"`);
    // The run, then 3 windows of 1000 steps x 3 keys: MLflow's bulk endpoint takes one key per call.
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.metrics.getHistoryBulkInterval': 9 });

    const keys = Object.keys(run.history).sort();
    expect(keys).toEqual(['loss', 'lr', 'val_loss']);
    const steps = new Map<number, { ts: number; values: Record<string, string> }>();
    for (const key of keys) {
      for (const [step, value, ts] of run.history[key] ?? []) {
        const row = steps.get(step) ?? { ts, values: {} };
        row.values[key] = String(value);
        row.ts = Math.max(row.ts, ts);
        steps.set(step, row);
      }
    }
    const expected = [...steps.entries()]
      .sort(([a], [b]) => a - b)
      .map(([step, r]) => [String(step), new Date(r.ts).toISOString(), ...keys.map((k) => r.values[k] ?? '')]);
    expect(expected).toHaveLength(3000);
    expect(parseCsv(res.text)).toEqual([['_step', '_timestamp', ...keys], ...expected]);
  });

  it('exports the keys asked for in their order, a key never logged as an empty column that costs nothing', async () => {
    const run = runByName(manifest, 'long-history');
    const res = await app.http.get(`/export/runs/${runGid(run)}/history.csv?keys=val_loss&keys=nope`);
    expect(res.status).toBe(200);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.metrics.getHistoryBulkInterval': 3 });
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['_step', '_timestamp', 'val_loss', 'nope']);
    expect(rows.slice(1).map((r) => [r[0], r[2], r[3]])).toEqual((run.history.val_loss ?? []).map(([step, value]) => [String(step), String(value), '']));
  });

  it("exports MLflow system metrics (the `system/` metrics of MLflow's monitor), unsampled, by step", async () => {
    const seeded = await pythonJson<{ experimentId: string; runId: string; t0: number }>(
      `
import json, os, time, uuid
from mlflow import MlflowClient
from mlflow.entities import Metric
c = MlflowClient(tracking_uri=os.environ["MLFLOW_URI"])
exp = c.create_experiment("csv-export-system-" + uuid.uuid4().hex[:8])
rid = c.create_run(exp, run_name="with-system-metrics").info.run_id
t0 = int(time.time() * 1000) - 3_600_000
ms = [Metric("loss", 1.0 / (s + 1), t0 + s, s) for s in range(10)]
for s in range(1200):
    ms.append(Metric("system/cpu_utilization_percentage", float(10 + s % 50), t0 + s * 10_000, s))
    ms.append(Metric("system/system_memory_usage_megabytes", 1000.5 + s, t0 + s * 10_000, s))
for i in range(0, len(ms), 1000):
    c.log_batch(rid, metrics=ms[i:i + 1000])
c.set_terminated(rid)
print(json.dumps({"experimentId": exp, "runId": rid, "t0": t0}))
`,
      { MLFLOW_URI: process.env.MLGATE_TEST_MLFLOW_URL ?? '' },
    );
    const id = encodeId('Run', 'mlflow', `${seeded.experimentId}/${seeded.runId}`);
    const res = await getCsv(app, `/export/runs/${id}/system-metrics.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${seeded.runId}-system-metrics.csv"`);
    // The run, then 2 windows (steps 0-999, 1000-1199) x 2 keys.
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.metrics.getHistoryBulkInterval': 4 });
    expect(parseCsv(res.text)).toEqual([
      ['_step', '_timestamp', 'system/cpu_utilization_percentage', 'system/system_memory_usage_megabytes'],
      ...Array.from({ length: 1200 }, (_, s) => [String(s), new Date(seeded.t0 + s * 10_000).toISOString(), String(10 + (s % 50)), String(1000.5 + s)]),
    ]);
  });

  it('refuses a bad filter, order, column, id or parameter with BAD_USER_INPUT before any upstream call', async () => {
    const p = projectGid(experimentByName(manifest, 'mlgate-page').id);
    const refusals: Array<[string, Record<string, string | string[]>]> = [
      ['/export/runs.csv', { projectId: p, filter: '{"config.lr": {"$near": 1}}' }],
      ['/export/runs.csv', { projectId: p, filter: '{not json' }],
      ['/export/runs.csv', { projectId: p, filter: '{"bogus_field": 1}' }],
      ['/export/runs.csv', { projectId: p, orderBy: 'nope.x' }],
      ['/export/runs.csv', { projectId: p, columns: 'state' }],
      ['/export/runs.csv', { projectId: p, projectIds: 'not-an-id' }],
      ['/export/runs.csv', { projectId: p, filters: '{}' }],
      ['/export/runs.csv', {}],
      [`/export/runs/${runGid(runByName(manifest, 'baseline'))}/history.csv`, { keys: '' }],
      [`/export/runs/${p}/history.csv`, {}],
      ['/export/runs/garbage/system-metrics.csv', {}],
    ];
    for (const [path, query] of refusals) {
      const res = await getCsv(app, path, query);
      expect({ path, query, status: res.status, code: res.body?.errors?.[0]?.extensions?.code }).toEqual({ path, query, status: 400, code: 'BAD_USER_INPUT' });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(app.calls.count()).toBe(0);
  });

  it('answers 404 NOT_FOUND for a run or project that does not exist', async () => {
    const main = experimentByName(manifest, 'mlgate-main');
    for (const path of [
      `/export/runs/${encodeId('Run', 'mlflow', `${main.id}/0123456789abcdef0123456789abcdef`)}/history.csv`,
      `/export/runs/${encodeId('Run', 'mlflow', `${main.id}/0123456789abcdef0123456789abcdef`)}/system-metrics.csv`,
      `/export/runs.csv?projectId=${projectGid('987654321')}`,
      `/export/runs.csv?projectId=${encodeId('Project', 'nosuchsource', '1')}`,
    ]) {
      const res = await app.http.get(path);
      expect({ path, status: res.status, code: res.body?.errors?.[0]?.extensions?.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
  });
});

/** The test seed plus a project of 1100 runs, more than two export pages of 500. */
function bigSeed(): Seed {
  const seed = testSeed();
  const runs = Array.from({ length: 1100 }, (_, i) => ({
    name: `big${String(i).padStart(5, '0')}`,
    displayName: i === 7 ? 'has, comma and "quotes"\nand a line' : `big-${i}`,
    config: { lr: i / 1000, opt: { name: i % 2 ? 'adam' : 'sgd' } },
    summary: { acc: i / 1100, ...(i === 1099 ? { late_key: 'only here' } : {}) },
    createdAt: new Date(Date.UTC(2026, 1, 1) + i * 60_000).toISOString().slice(0, 19),
  }));
  return { ...seed, projects: [...seed.projects, { name: 'big', runs }] };
}

describe('CSV export from W&B, and across sources', () => {
  let wandb: WandbServer;
  let app: TestApp;
  let manifest: Manifest;
  /** Makes the n-th W&B `Runs` request fail with a 503 (0: none). */
  let failRunsRequest = 0;
  let runsRequests = 0;
  const fetchWithFault: FetchFn = async (input, init) => {
    if (typeof init?.body === 'string' && init.body.includes('query Runs(') && ++runsRequests === failRunsRequest) {
      return new Response('{"errors":[{"message":"down"}]}', { status: 503 });
    }
    return fetch(input, init);
  };
  const project = (name: string) => encodeId('Project', 'wandb', `mlgate/${name}`);

  beforeAll(async () => {
    wandb = await startWandbServer({ seed: bigSeed(), apiKey: TEST_WANDB_KEY });
    app = await buildTestApp({
      // Smaller than the 1100-run project, so that export takes the two-pass path. One attempt per
      // read: the injected 503 must reach the export, not be absorbed by a retry (upstream-faults tests retries).
      env: { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, MLFLOW_TRACKING_URI: process.env.MLGATE_TEST_MLFLOW_URL ?? '', MLGATE_EXPORT_BUFFER_RUNS: '1000', MLGATE_RETRY_ATTEMPTS: '1' },
      fetch: fetchWithFault,
    });
    manifest = loadManifest();
  });
  afterAll(async () => {
    await app.stop();
    await wandb.stop();
  });
  beforeEach(() => {
    app.calls.reset();
    wandb.operations.length = 0;
    failRunsRequest = 0;
    runsRequests = 0;
  });

  it('exports a filtered W&B project: nested config flattened with dots, rows equal to the runs query and the seed', async () => {
    const filter = { 'config.experiment_name': 'foo' };
    const res = await getCsv(app, '/export/runs.csv', { projectId: project('vision'), filter: JSON.stringify(filter) });
    expect(res.status).toBe(200);
    expect(app.calls.byOp()).toEqual({ 'wandb.project': 1, 'wandb.runs': 1 });
    const csv = csvObjects(res.text);
    expect(csv.header).toEqual([
      ...FIXED,
      'config.batch_size',
      'config.experiment_name',
      'config.lr',
      'config.model.act',
      'config.model.depth',
      'summary._step',
      'summary.acc',
      'summary.loss',
      'summary.val_acc',
    ]);
    expect(csv.rows.map((r) => r.name)).toEqual(['longhist1', 'run00003', 'run00000']);
    const seed = seededRun('vision', 'run00003');
    expect(csv.rows[1]).toEqual({
      id: encodeId('Run', 'wandb', 'mlgate/vision/run00003'),
      source: 'wandb',
      project: 'vision',
      name: 'run00003',
      displayName: 'trial-3',
      state: 'FINISHED',
      createdAt: `${seed.createdAt}.000Z`,
      endedAt: `${seed.createdAt}.000Z`,
      user: 'ada',
      tags: 'main',
      'config.batch_size': '64',
      'config.experiment_name': 'foo',
      'config.lr': String(seed.config?.lr),
      'config.model.act': 'relu',
      'config.model.depth': '11',
      'summary._step': '49',
      'summary.acc': String(seed.summary?.acc),
      'summary.loss': String(seed.summary?.loss),
      'summary.val_acc': String(seed.summary?.val_acc),
    });
    expect(csvOfGraphql(await graphqlRuns(app, [project('vision')], filter, null))).toEqual(csv);
  });

  it('merges an MLflow and a W&B project in the requested order, as the runs query does', async () => {
    const mlflowPage = projectGid(experimentByName(manifest, 'mlgate-page').id);
    const ids = [mlflowPage, project('vision')];
    const res = await getCsv(app, '/export/runs.csv', { projectId: ids, orderBy: '-summary.acc' });
    expect(res.status).toBe(200);
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.get': 1, 'wandb.project': 1, 'mlflow.runs.search': 1, 'wandb.runs': 1 });
    const csv = csvObjects(res.text);
    expect(csv.rows).toHaveLength(67);
    const acc = csv.rows.map((r) => Number(r['summary.acc']));
    expect(acc).toEqual([...acc].sort((a, b) => b - a));
    expect(new Set(csv.rows.map((r) => r.source))).toEqual(new Set(['mlflow', 'wandb']));
    expect(csv.rows.map((r) => r.id).sort()).toEqual(
      [
        ...manifest.runs.filter((r) => r.experimentId === experimentByName(manifest, 'mlgate-page').id).map(runGid),
        ...testSeed().projects[0]!.runs.map((r) => encodeId('Run', 'wandb', `mlgate/vision/${r.name}`)),
      ].sort(),
    );
    expect(csvOfGraphql(await graphqlRuns(app, ids, null, ['-summary.acc']))).toEqual(csv);
  });

  it('pages through a 1100-run project (more than the export keeps) 500 runs at a time, in two passes, and quotes what needs quoting', async () => {
    const res = await getCsv(app, '/export/runs.csv', { projectId: project('big'), orderBy: '+created_at' });
    expect(res.status).toBe(200);
    expect(app.calls.byOp()).toEqual({ 'wandb.project': 1, 'wandb.runs': 6 });
    expect(res.text).toContain(',"has, comma and ""quotes""\nand a line",');
    const csv = csvObjects(res.text);
    // A key only the last run has is still a column: the first pass read every run.
    expect(csv.header).toEqual([...FIXED, 'config.lr', 'config.opt.name', 'summary.acc', 'summary.late_key']);
    expect(csv.rows.map((r) => r.name)).toEqual(Array.from({ length: 1100 }, (_, i) => `big${String(i).padStart(5, '0')}`));
    expect(csv.rows[7]?.displayName).toBe('has, comma and "quotes"\nand a line');
    expect(csv.rows[1099]?.['summary.late_key']).toBe('only here');
    expect(csv.rows[1]?.['config.opt.name']).toBe('adam');

    app.calls.reset();
    const named = await getCsv(app, '/export/runs.csv', { projectId: project('big'), columns: ['summary.acc', 'config.opt'] });
    expect(app.calls.byOp()).toEqual({ 'wandb.project': 1, 'wandb.runs': 3 });
    const one = csvObjects(named.text);
    expect(one.header).toEqual([...FIXED, 'summary.acc', 'config.opt']);
    expect(one.rows[0]).toMatchObject({ name: 'big01099', 'summary.acc': String(1099 / 1100), 'config.opt': '{"name":"adam"}' });
  });

  it('exports the full 2500-step history of a W&B run in 3 windows, equal to the logged rows', async () => {
    const seed = seededRun('vision', 'longhist1');
    const res = await getCsv(app, `/export/runs/${encodeId('Run', 'wandb', 'mlgate/vision/longhist1')}/history.csv`);
    expect(res.status).toBe(200);
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1, 'wandb.sampledHistory': 3 });
    const keys = ['acc', 'loss', 'val_loss'];
    const cell = (v: unknown) => (v === undefined ? '' : String(v));
    expect(parseCsv(res.text)).toEqual([
      ['_step', '_timestamp', ...keys],
      ...(seed.history ?? []).map((h) => [String(h._step), new Date((h._timestamp as number) * 1000).toISOString(), ...keys.map((k) => cell(h[k]))]),
    ]);
    expect(parseCsv(res.text)).toHaveLength(2501);
  });

  it("exports a W&B run's system metrics from its events stream, with the SDK's RunFullHistory query", async () => {
    const res = await getCsv(app, `/export/runs/${encodeId('Run', 'wandb', 'mlgate/vision/run00002')}/system-metrics.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="run00002-system-metrics.csv"');
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1, 'wandb.events': 1 });
    expect(wandb.operations).toEqual(['Runs', 'RunFullHistory']);
    const events = seededRun('vision', 'run00002').events ?? [];
    expect(events).toHaveLength(12);
    expect(parseCsv(res.text)).toEqual([
      ['_timestamp', '_runtime', 'system.cpu', 'system.memory'],
      ...events.map((e) => [new Date((e._timestamp as number) * 1000).toISOString(), String(e._runtime), String(e['system.cpu']), String(e['system.memory'])]),
    ]);
  });

  it('answers 404 for a W&B run that does not exist, and a JSON error when the upstream fails before the first byte', async () => {
    const missing = await app.http.get(`/export/runs/${encodeId('Run', 'wandb', 'mlgate/vision/nosuchrun')}/system-metrics.csv`);
    expect([missing.status, missing.body.errors[0].extensions.code]).toEqual([404, 'NOT_FOUND']);

    runsRequests = 0;
    failRunsRequest = 1;
    const down = await getCsv(app, '/export/runs.csv', { projectId: project('big'), columns: 'summary.acc' });
    expect([down.status, down.body.errors[0].extensions]).toEqual([503, { code: 'UPSTREAM_UNAVAILABLE', source: 'wandb', upstreamStatus: 503 }]);
  });

  it('cuts the connection when the upstream fails after streaming began, so the truncated file cannot pass for complete', async () => {
    failRunsRequest = 2;
    const outcome = await app.http
      .get('/export/runs.csv')
      .query({ projectId: project('big'), columns: 'summary.acc' })
      .then(
        (res) => ({ status: res.status, complete: true }),
        (e: Error) => ({ status: 'failed', complete: false, why: e.message }),
      );
    // The client saw the response end without its final chunk: an error, not a shorter file.
    expect(outcome).toEqual({ status: 'failed', complete: false, why: 'aborted' });
    expect(runsRequests).toBe(2);
  });
});
