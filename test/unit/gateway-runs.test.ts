import { encodeId } from '../../src/ids';
import { experiment, mlflowRun } from '../fixtures/mlflow';
import { FakeFetch } from '../helpers/fake-fetch';
import { buildTestApp, errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';

const ENV = { MLFLOW_TRACKING_URI: 'http://mlflow.test:5000' };
const project = encodeId('Project', 'mlflow', '1');

function fakeMlflow(runCount: number) {
  const runs = Array.from({ length: runCount }, (_, i) => mlflowRun(i));
  return new FakeFetch()
    .on('POST', '/api/2.0/mlflow/runs/search', (req) => {
      const body = req.body as { max_results: number; page_token?: string; filter?: string };
      const inList = body.filter?.match(/run_id IN \((.*)\)/)?.[1];
      const pool = inList ? runs.filter((r) => inList.includes(`'${r.info.run_id}'`)) : runs;
      const offset = body.page_token ? (JSON.parse(Buffer.from(body.page_token, 'base64').toString()) as { offset: number }).offset : 0;
      return { json: { runs: pool.slice(offset, offset + body.max_results) } };
    })
    .on('GET', '/api/2.0/mlflow/experiments/get', (req) =>
      req.url.searchParams.get('experiment_id') === '1'
        ? { json: { experiment: experiment('1') } }
        : { status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' } },
    )
    .on('GET', '/api/2.0/mlflow/metrics/get-history-bulk-interval', (req) => {
      const key = req.url.searchParams.get('metric_key');
      const ids = req.url.searchParams.getAll('run_ids');
      return { json: { metrics: ids.flatMap((run_id) => [0, 9].map((step) => ({ key, value: step / 10, timestamp: 1760000000000 + step, step, run_id }))) } };
    })
    .on('GET', '/api/2.0/mlflow/runs/get', { status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' } });
}

describe('gateway over a fake MLflow', () => {
  let app: TestApp;
  let fake: FakeFetch;
  beforeEach(async () => {
    fake = fakeMlflow(60);
    app = await buildTestApp({ env: ENV, fetch: fake.fetch });
  });
  afterEach(() => app.stop());

  it('serves a page of 50 runs with config, summary and tags from one runs/search', async () => {
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: Array<{ name: string; config: unknown; summary: unknown; tags: unknown; state: string }>; pageInfo: { hasNextPage: boolean } } }>(
        `query($p: ID!) { runs(projectId: $p, first: 50) { nodes { name state config summary tags { key value } } pageInfo { hasNextPage } } }`,
        { p: project },
      ),
    );
    expect(data.runs.nodes).toHaveLength(50);
    expect(data.runs.nodes[3]).toEqual({
      name: 'run-3',
      state: 'FINISHED',
      config: { lr: '0.01' },
      summary: { acc: 0.03, loss: 0.97 },
      tags: [{ key: 'parity', value: 'odd' }],
    });
    expect(data.runs.nodes[2]?.state).toBe('PENDING');
    expect(data.runs.pageInfo.hasNextPage).toBe(true);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1 });
    expect((fake.requests[0]?.body as { max_results: number }).max_results).toBe(51);
  });

  it('samples two keys of history for a page of 50 runs with two bulk requests', async () => {
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: Array<{ history: Array<{ step: number; values: Record<string, number> }> }> } }>(
        `query($p: ID!) { runs(projectId: $p, first: 50) { nodes { history(samples: 100, keys: ["acc", "loss"]) { step values } } } }`,
        { p: project },
      ),
    );
    expect(data.runs.nodes[0]?.history).toEqual([
      { step: 0, values: { acc: 0, loss: 0 } },
      { step: 9, values: { acc: 0.9, loss: 0.9 } },
    ]);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.metrics.getHistoryBulkInterval': 2 });
    const bulk = fake.requests.filter((r) => r.url.pathname.endsWith('get-history-bulk-interval'));
    expect(bulk.map((r) => r.url.searchParams.getAll('run_ids').length)).toEqual([50, 50]);
  });

  it('batches run lookups by id into one search per experiment', async () => {
    const ids = [1, 2, 3].map((i) => encodeId('Run', 'mlflow', `1/${mlflowRun(i).info.run_id}`));
    const data = expectNoErrors(
      await app.gql<Record<string, { name: string }>>(`query($a: ID!, $b: ID!, $c: ID!) { a: run(id: $a) { name } b: run(id: $b) { name } c: run(id: $c) { name } }`, {
        a: ids[0],
        b: ids[1],
        c: ids[2],
      }),
    );
    expect(data).toEqual({ a: { name: 'run-1' }, b: { name: 'run-2' }, c: { name: 'run-3' } });
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1 });
  });

  it('answers a missing run with null and NOT_FOUND naming the source', async () => {
    const res = await app.gql(`query($id: ID!) { run(id: $id) { name } }`, { id: encodeId('Run', 'mlflow', 'deadbeef') });
    expect(res.data).toEqual({ run: null });
    expect(res.errors).toEqual([expect.objectContaining({ path: ['run'], extensions: expect.objectContaining({ code: 'NOT_FOUND', source: 'mlflow' }) })]);
  });

  it.each([
    ['a malformed id', `{ run(id: "not-an-id") { name } }`],
    ['an id of another type', `{ run(id: "${project}") { name } }`],
    ['a negative first', `{ runs(projectId: "${project}", first: -1) { nodes { name } } }`],
    ['a first over the cap', `{ runs(projectId: "${project}", first: 100000) { nodes { name } } }`],
    ['a forged cursor', `{ runs(projectId: "${project}", after: "eyJ2IjoxfQ") { nodes { name } } }`],
  ])('rejects %s with BAD_USER_INPUT and no upstream call', async (_what, query) => {
    const res = await app.gql(query);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(app.calls.count()).toBe(0);
  });

  it('answers an unknown project with NOT_FOUND', async () => {
    fake = new FakeFetch()
      .on('POST', '/api/2.0/mlflow/runs/search', { json: {} })
      .on('GET', '/api/2.0/mlflow/experiments/get', { status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    await app.stop();
    app = await buildTestApp({ env: ENV, fetch: fake.fetch });
    const res = await app.gql(`{ runs(projectId: "${encodeId('Project', 'mlflow', '999')}") { nodes { name } } }`);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });

  it('counts for free when the page holds every run, and pages to count otherwise', async () => {
    const all = expectNoErrors(await app.gql<{ runs: { totalCount: number } }>(`{ runs(projectId: "${project}", first: 100) { totalCount } }`));
    expect(all.runs.totalCount).toBe(60);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1 });
    app.calls.reset();
    const some = expectNoErrors(await app.gql<{ runs: { totalCount: number } }>(`{ runs(projectId: "${project}", first: 10) { totalCount } }`));
    expect(some.runs.totalCount).toBe(60);
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 2 });
  });

  it('masks unexpected failures instead of leaking them', async () => {
    fake = new FakeFetch().on('POST', '/api/2.0/mlflow/runs/search', { json: { runs: [{ not: 'a run' }] } });
    await app.stop();
    app = await buildTestApp({ env: ENV, fetch: fake.fetch });
    const res = await app.gql(`{ runs(projectId: "${project}") { nodes { name } } }`);
    expect(res.errors).toEqual([{ message: 'Unexpected error.', locations: expect.any(Array), path: ['runs'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  });
});
