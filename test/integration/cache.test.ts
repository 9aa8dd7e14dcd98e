import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';
import { buildTestApp, expectNoErrors, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY } from '../helpers/wandb';

/**
 * The shared cache against the machine's real Redis: make test fails if it is missing, because a
 * Redis-backed cache that was never exercised proves nothing.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MLFLOW = () => {
  const url = process.env.MLGATE_TEST_MLFLOW_URL;
  if (!url) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
  return url;
};

const EXPERIMENTS = `{ projects(source: "mlflow") { nodes { sourceId name } } }`;

describe('shared read cache (real Redis)', () => {
  const apps: TestApp[] = [];
  let wandb: WandbServer;
  // A token no earlier test run used: Redis outlives test runs, and keys include the credentials.
  const token = `tok-${randomUUID()}`;
  const mlflowApp = async (env: Record<string, string> = {}) => {
    const app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: MLFLOW(), MLFLOW_TRACKING_TOKEN: token, MLGATE_CACHE: 'on', REDIS_URL, ...env } });
    apps.push(app);
    return app;
  };
  beforeAll(async () => {
    wandb = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await wandb.stop();
  });

  it('serves a repeated read from Redis with no upstream call, and shares it with another replica using the same credentials', async () => {
    const a = await mlflowApp();
    const first = expectNoErrors(await a.gql(EXPERIMENTS), a.calls);
    expect(a.calls.byOp()).toEqual({ 'mlflow.experiments.search': 1 });
    a.calls.reset();
    expect(expectNoErrors(await a.gql(EXPERIMENTS), a.calls)).toEqual(first);
    expect(a.calls.count()).toBe(0);

    const replica = await mlflowApp();
    expect(expectNoErrors(await replica.gql(EXPERIMENTS), replica.calls)).toEqual(first);
    expect(replica.calls.count()).toBe(0);
  });

  it('never shares entries between different upstream credentials', async () => {
    const a = await mlflowApp();
    await a.gql(EXPERIMENTS);
    const other = await mlflowApp({ MLFLOW_TRACKING_TOKEN: `${token}-other` });
    expectNoErrors(await other.gql(EXPERIMENTS), other.calls);
    expect(other.calls.byOp()).toEqual({ 'mlflow.experiments.search': 1 });
  });

  it('reads fresh data on Cache-Control: no-cache and refreshes the entry for later readers', async () => {
    const app = await buildTestApp({ env: { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, MLGATE_CACHE: 'on', REDIS_URL } });
    apps.push(app);
    const query = `{ runByPath(path: "mlgate/vision/run00000") { summary } }`;
    const summaryOf = (body: unknown) => (body as { data: { runByPath: { summary: Record<string, unknown> } } }).data.runByPath.summary;
    const before = summaryOf(await app.gql(query));
    const run = wandb.store.run('mlgate', 'vision', 'run00000');
    if (!run) throw new Error('seed has no run00000');
    run.summary = { ...run.summary, fixed_later: 1 };

    app.calls.reset();
    expect(summaryOf(await app.gql(query))).toEqual(before);
    expect(app.calls.count()).toBe(0);

    const fresh = await app.http.post('/graphql').set('content-type', 'application/json').set('cache-control', 'no-cache').send({ query });
    expect(summaryOf(fresh.body).fixed_later).toBe(1);
    expect(app.calls.count()).toBeGreaterThan(0);

    app.calls.reset();
    expect(summaryOf(await app.gql(query)).fixed_later).toBe(1);
    expect(app.calls.count()).toBe(0);
  });

  it('answers from the upstream when Redis cannot be reached', async () => {
    const closed = await closedPort();
    const app = await mlflowApp({ REDIS_URL: `redis://127.0.0.1:${closed}` });
    const started = Date.now();
    const result = await app.gql(EXPERIMENTS);
    expectNoErrors(result, app.calls);
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.search': 1 });
    // Generous bound: the point is that a dead cache does not hang requests for the upstream's deadline.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('coalesces identical concurrent reads into one upstream call', async () => {
    const app = await mlflowApp({ MLFLOW_TRACKING_TOKEN: `${token}-burst` });
    const results = await Promise.all(Array.from({ length: 8 }, () => app.gql(EXPERIMENTS)));
    results.forEach((r) => expectNoErrors(r, app.calls));
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.search': 1 });
  });
});

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}
