import { encodeId } from '../../src/ids';
import { FaultProxy, PROXY_MARKER, type FaultMode } from '../helpers/fault-proxy';
import { loadManifest } from '../helpers/manifest';
import { errorCodes, expectNoErrors, buildTestApp, type GqlResult, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import type { Logger } from '../../src/logger';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';

/**
 * The gateway in front of the real MLflow server and the W&B test server, each behind a fault
 * proxy whose mode the tests switch: every answer is typed and bounded, reads are retried and
 * writes are not, the breaker opens and recovers by itself, and the healthy source keeps answering.
 */
const TIMEOUT_MS = 500;
const DEADLINE_MS = 2000;
const FAST = {
  MLGATE_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
  MLGATE_READ_DEADLINE_MS: String(DEADLINE_MS),
  MLGATE_RETRY_BASE_DELAY_MS: '50',
  // Budget and breaker have their own tests; here they must not get in the way.
  MLGATE_RETRY_BUDGET_MIN: '10000',
  MLGATE_BREAKER_FAILURES: '1000',
};
type Name = 'mlflow' | 'wandb';
// `first: 3`: the seeded projects only; other test files add MLflow experiments to the shared server meanwhile.
const BOTH = `{ mlflow: projects(source: "mlflow", first: 3) { nodes { id name } } wandb: projects(source: "wandb", first: 3) { nodes { id name } } }`;
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

interface Rig {
  app: TestApp;
  wandb: WandbServer;
  proxies: Record<Name, FaultProxy>;
  stop(): Promise<void>;
}

async function rig(env: Record<string, string> = {}, logger?: Logger): Promise<Rig> {
  const mlflowUrl = process.env.MLGATE_TEST_MLFLOW_URL;
  if (!mlflowUrl) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
  const wandb = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
  const proxies = { mlflow: await FaultProxy.start(mlflowUrl), wandb: await FaultProxy.start(wandb.url) };
  const app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: proxies.mlflow.url, WANDB_BASE_URL: proxies.wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, ...FAST, ...env }, logger });
  return {
    app,
    wandb,
    proxies,
    stop: async () => {
      await app.stop();
      await Promise.all([proxies.mlflow.stop(), proxies.wandb.stop(), wandb.stop()]);
    },
  };
}

/** Posts and keeps the raw text too, to check nothing of the upstream's body got through. */
async function post<T>(app: TestApp, query: string, variables?: Record<string, unknown>): Promise<{ body: GqlResult<T>; text: string; ms: number }> {
  const started = performance.now();
  const res = await app.http.post('/graphql').set('content-type', 'application/json').send({ query, variables });
  return { body: res.body as GqlResult<T>, text: res.text, ms: performance.now() - started };
}

async function metric(app: TestApp, line: RegExp): Promise<number | null> {
  const text = (await app.http.get('/metrics')).text;
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? null : Number(found.split(' ').pop());
}

describe.each<[Name, Name]>([
  ['mlflow', 'wandb'],
  ['wandb', 'mlflow'],
])('%s behind a fault proxy', (name, other) => {
  let r: Rig;
  let healthy: Record<Name, unknown>;
  beforeAll(async () => {
    r = await rig();
    healthy = expectNoErrors(await r.app.gql<Record<Name, unknown>>(BOTH), r.app.calls);
  });
  afterAll(() => r.stop());
  beforeEach(() => {
    r.proxies.mlflow.set('pass');
    r.proxies.wandb.set('pass');
    r.proxies.mlflow.reset();
    r.proxies.wandb.reset();
  });

  it.each<[FaultMode, string, number]>([
    ['stall', 'UPSTREAM_UNAVAILABLE', 3],
    ['reset', 'UPSTREAM_UNAVAILABLE', 3],
    ['503', 'UPSTREAM_UNAVAILABLE', 3],
    ['500', 'UPSTREAM_ERROR', 1],
    ['malformed', 'UPSTREAM_ERROR', 1],
  ])('%s: answers %s within the read deadline after %i attempt(s), echoing nothing, while the other source answers', async (mode, code, attempts) => {
    r.proxies[name].set(mode);
    const { body, text, ms } = await post<Record<Name, unknown>>(r.app, BOTH);
    expect(body.data).toEqual({ [name]: null, [other]: healthy[other] });
    expect(body.errors).toEqual([expect.objectContaining({ path: [name], extensions: expect.objectContaining({ code, source: name }) })]);
    expect(r.proxies[name].count()).toBe(attempts);
    expect(ms).toBeLessThan(DEADLINE_MS + 500);
    if (mode === 'stall') expect(ms).toBeGreaterThanOrEqual(3 * TIMEOUT_MS - 50);
    expect(text).not.toContain(PROXY_MARKER);
    expect(text).not.toMatch(/authorization|127\.0\.0\.1|ECONNRESET/i);
  });

  it('honours Retry-After: 1 on a 429: the retry reaches the proxy at least 1 s later, and the read succeeds', async () => {
    r.proxies[name].set('429', { retryAfter: '1', times: 1 });
    expect(expectNoErrors(await r.app.gql(BOTH), r.app.calls)).toEqual(healthy);
    const hits = r.proxies[name].hits;
    expect(hits.map((h) => h.mode)).toEqual(['429', 'pass']);
    expect((hits[1]?.at ?? 0) - (hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('gives up on a lasting 429 when the next Retry-After no longer fits the read deadline', async () => {
    r.proxies[name].set('429', { retryAfter: '1' });
    const { body, ms } = await post(r.app, BOTH);
    expect(errorCodes(body)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(r.proxies[name].count()).toBe(2);
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('keeps serving once the proxy passes again: the gateway never went down', async () => {
    r.proxies[name].set('reset');
    await post(r.app, BOTH);
    r.proxies[name].set('pass');
    expect(expectNoErrors(await r.app.gql(BOTH), r.app.calls)).toEqual(healthy);
    expect((await r.app.http.get('/readyz')).status).toBe(200);
  });
});

describe('partial results and writes against faults', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig();
  });
  afterAll(() => r.stop());

  it('nulls a runs listing merged across both sources when one fails, naming it, while per-source fields answer', async () => {
    const experiment = loadManifest().experiments.find((e) => e.runIds.length > 0);
    const mlflowProject = encodeId('Project', 'mlflow', experiment?.id ?? '');
    const wandbProject = encodeId('Project', 'wandb', 'mlgate/vision');
    const query = `query($both: [ID!], $w: ID!) {
      merged: runs(projectIds: $both, first: 3) { nodes { name } }
      wandbOnly: runs(projectId: $w, first: 3) { nodes { name } }
      sources { name }
    }`;
    r.proxies.mlflow.set('reset');
    const { body } = await post<{ merged: null; wandbOnly: { nodes: unknown[] }; sources: unknown[] }>(r.app, query, { both: [mlflowProject, wandbProject], w: wandbProject });
    expect(body.data?.merged).toBeNull();
    expect(body.data?.wandbOnly.nodes).toHaveLength(3);
    expect(body.data?.sources).toEqual([{ name: 'mlflow' }, { name: 'wandb' }]);
    expect(body.errors).toEqual([expect.objectContaining({ path: ['merged'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', source: 'mlflow' }) })]);
    r.proxies.mlflow.set('pass');
  });

  it('never retries a write: one attempt reaches the proxy for a failing alias write, whose reads passed', async () => {
    const model = loadManifest().registeredModels.find((m) => m.versions.length > 0);
    if (!model) throw new Error('the seed has no registered model with versions');
    const id = encodeId('ModelVersion', 'mlflow', `${model.name}/${model.versions[0]?.version}`);
    r.proxies.mlflow.reset();
    r.proxies.mlflow.set('503', { only: /registered-models\/alias/ });
    const res = await r.app.gql(`mutation($id: ID!) { setModelVersionAliases(id: $id, add: ["fault-probe"]) { version { aliases } } }`, { id });
    expect(errorCodes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(r.proxies.mlflow.count(/registered-models\/alias/)).toBe(1);
    expect(r.proxies.mlflow.count()).toBeGreaterThan(1);
    r.proxies.mlflow.set('pass');
  });
});

describe('circuit breaker per source', () => {
  let r: Rig;
  const COOLDOWN_MS = 1500;
  const MLFLOW_ONLY = `{ projects(source: "mlflow") { nodes { name } } }`;
  beforeAll(async () => {
    r = await rig({ MLGATE_BREAKER_FAILURES: '3', MLGATE_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS) });
  });
  afterAll(() => r.stop());

  it('opens after 3 failed calls, answers without calling MLflow while open, and closes by itself after the cool-down', async () => {
    const state = () => metric(r.app, /^mlgate_breaker_state\{source="mlflow"\}/);
    expect(await state()).toBe(0);
    r.proxies.mlflow.set('reset');
    const first = await post(r.app, MLFLOW_ONLY);
    const openedAt = performance.now();
    expect(errorCodes(first.body)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(r.proxies.mlflow.count()).toBe(3);
    expect(await state()).toBe(2);

    r.proxies.mlflow.reset();
    r.app.calls.reset();
    r.proxies.mlflow.set('pass');
    for (let i = 0; i < 5; i++) {
      const { body, ms } = await post(r.app, MLFLOW_ONLY);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'mlflow', circuit: 'open' });
      expect(ms).toBeLessThan(200);
    }
    expect(r.proxies.mlflow.count()).toBe(0);
    expect(r.app.calls.count()).toBe(0);
    // The other source has its own breaker.
    expect(expectNoErrors(await r.app.gql(`{ projects(source: "wandb") { nodes { name } } }`), r.app.calls)).toBeTruthy();
    expect(await metric(r.app, /^mlgate_upstream_rejected_total\{source="mlflow"\}/)).toBe(5);

    await pause(COOLDOWN_MS - (performance.now() - openedAt) + 50);
    expect(expectNoErrors(await r.app.gql(MLFLOW_ONLY), r.app.calls)).toBeTruthy();
    expect(r.proxies.mlflow.count()).toBe(1);
    expect(await state()).toBe(0);
  });

  it('reopens for another cool-down when the probe fails', async () => {
    r.proxies.mlflow.set('503');
    await post(r.app, MLFLOW_ONLY);
    expect(await metric(r.app, /^mlgate_breaker_state\{source="mlflow"\}/)).toBe(2);
    await pause(COOLDOWN_MS + 50);
    r.proxies.mlflow.reset();
    await post(r.app, MLFLOW_ONLY);
    expect(r.proxies.mlflow.count()).toBe(1);
    expect(await metric(r.app, /^mlgate_breaker_state\{source="mlflow"\}/)).toBe(2);
    r.proxies.mlflow.set('pass');
    await pause(COOLDOWN_MS + 50);
    expect(expectNoErrors(await r.app.gql(MLFLOW_ONLY), r.app.calls)).toBeTruthy();
  });
});

describe('stale answers while a source is down', () => {
  let r: Rig;
  const realNow = Date.now;
  const later = (ms: number) => jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
  beforeAll(async () => {
    r = await rig({ MLGATE_CACHE: 'on' });
  });
  afterAll(() => r.stop());
  afterEach(() => jest.restoreAllMocks());

  it('answers with the expired entry of the same read, marked stale, until its retention ends', async () => {
    const fresh = expectNoErrors(await r.app.gql(BOTH), r.app.calls);
    r.proxies.mlflow.reset();
    r.proxies.mlflow.set('reset');
    // Experiments are fresh for 120 s and kept 10 times as long.
    later(121_000);
    const stale = await post<Record<Name, unknown>>(r.app, BOTH);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data).toEqual(fresh);
    expect((stale.body as { extensions?: unknown }).extensions).toEqual({ stale: { sources: ['mlflow'] } });
    expect(r.proxies.mlflow.count()).toBe(3);
    expect(await metric(r.app, /^mlgate_cache_stale_served_total\{source="mlflow"\}/)).toBe(1);

    later(1_300_000);
    const gone = await post(r.app, BOTH);
    expect(gone.body.errors).toEqual([expect.objectContaining({ path: ['mlflow'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }) })]);
    r.proxies.mlflow.set('pass');
  });
});

describe('secrets never leak', () => {
  const MLFLOW_TOKEN = 'mlflow-token-0f9e8d7c6b5a4f3e2d1c';
  const lines: string[] = [];
  const capture = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => lines.push(JSON.stringify({ level, msg, ...fields }));
  const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ MLFLOW_TRACKING_TOKEN: MLFLOW_TOKEN }, logger);
  });
  afterAll(() => r.stop());

  it('keeps credentials out of responses, logs and metrics when upstreams echo them back in errors', async () => {
    const secrets = [MLFLOW_TOKEN, TEST_WANDB_KEY, Buffer.from(`api:${TEST_WANDB_KEY}`).toString('base64')];
    const texts: string[] = [];
    // The proxy's error bodies repeat the request's Authorization header; a 400's message is kept
    // for the caller (it explains their own bad request), so redaction is what stands between.
    for (const mode of ['400', '500', '503', '429', 'malformed'] as FaultMode[]) {
      r.proxies.mlflow.set(mode, { retryAfter: '0' });
      r.proxies.wandb.set(mode, { retryAfter: '0' });
      texts.push((await post(r.app, BOTH)).text);
      texts.push((await post(r.app, `query($id: ID!) { run(id: $id) { name } }`, { id: encodeId('Run', 'wandb', 'mlgate/vision/longhist1') })).text);
    }
    r.proxies.mlflow.set('pass');
    r.proxies.wandb.set('pass');
    texts.push((await post(r.app, '{ nope }')).text);
    texts.push((await r.app.http.get('/export/runs.csv?projectId=x')).text);
    const metrics = (await r.app.http.get('/metrics')).text;
    // The echo reached the gateway and was kept for the caller, with the credentials cut out.
    expect(texts.join('\n')).toContain('[redacted]');
    expect(lines.length).toBeGreaterThan(10);
    expect(metrics).toContain('mlgate_upstream_calls_total');
    for (const secret of secrets) {
      for (const [where, text] of [['responses', texts.join('\n')], ['logs', lines.join('\n')], ['metrics', metrics]] as const) {
        expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
      }
    }
  });
});
