import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeId } from '../../src/ids';
import type { MlflowServer } from '../helpers/mlflow-server';
import { ADMIN, asUser, basic, startAuthMlflow } from '../helpers/mlflow-auth';
import { buildTestApp, type TestApp } from '../helpers/test-app';

/**
 * Two callers with different MLflow credentials on one gateway, with the shared Redis cache on:
 * a real MLflow server with its basic-auth app lets each user read only their own experiment,
 * and the gateway must never hand one caller what only the other's credentials could fetch.
 */
describe('isolation between principals with their own upstream credentials', () => {
  let mlflow: MlflowServer;
  let app: TestApp;
  const suffix = randomUUID().slice(0, 8);
  const alice = { username: `alice-${suffix}`, password: `alice-pw-${suffix}-0123` };
  const bob = { username: `bob-${suffix}`, password: `bob-pw-${suffix}-0123` };
  const keys = { alice: `ak-${randomUUID()}`, bob: `bk-${randomUUID()}` };
  const experiments: Record<string, string> = {};

  beforeAll(async () => {
    mlflow = await startAuthMlflow();
    for (const user of [alice, bob]) {
      await asUser(mlflow, ADMIN, 'POST', 'users/create', user);
      const { experiment_id } = await asUser<{ experiment_id: string }>(mlflow, user, 'POST', 'experiments/create', { name: `${user.username}-exp` });
      experiments[user.username] = experiment_id;
      const { run } = await asUser<{ run: { info: { run_id: string } } }>(mlflow, user, 'POST', 'runs/create', { experiment_id, run_name: `${user.username}-run` });
      await asUser(mlflow, user, 'POST', 'runs/log-parameter', { run_id: run.info.run_id, key: 'owner', value: user.username });
    }
    const file = join(mkdtempSync(join(tmpdir(), 'mlgate-keys-')), 'keys.json');
    const sha = (k: string) => createHash('sha256').update(k).digest('hex');
    writeFileSync(file, JSON.stringify([{ name: 'alice', sha256: sha(keys.alice), role: 'viewer' }, { name: 'bob', sha256: sha(keys.bob), role: 'viewer' }]));
    app = await buildTestApp({
      env: { MLFLOW_TRACKING_URI: mlflow.url, MLFLOW_CREDENTIALS: 'caller', MLGATE_API_KEYS_FILE: file, MLGATE_CACHE: 'on', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await mlflow?.stop();
  });
  beforeEach(() => app.calls.reset());

  const as = (key: string, user: { username: string; password: string } | null, body: object) => {
    const req = app.http.post('/graphql').set('content-type', 'application/json').set('x-api-key', key);
    if (user) req.set('x-source-token-mlflow', basic(user));
    return req.send(body);
  };
  const PROJECTS = { query: '{ projects { nodes { name runs { nodes { name config } } } } }' };
  const names = (body: { data?: { projects: { nodes: Array<{ name: string }> } } }) => body.data?.projects.nodes.map((p) => p.name);

  it('each caller sees only their own experiment, first from MLflow and then from the shared cache', async () => {
    for (let round = 0; round < 2; round++) {
      const a = await as(keys.alice, alice, PROJECTS);
      expect(names(a.body)).toEqual([`${alice.username}-exp`]);
      expect(a.body.data.projects.nodes[0].runs.nodes).toEqual([{ name: `${alice.username}-run`, config: { owner: alice.username } }]);
      const b = await as(keys.bob, bob, PROJECTS);
      expect(names(b.body)).toEqual([`${bob.username}-exp`]);
    }
    // The second round came from the cache: the first round's reads were the only upstream calls.
    expect(app.calls.count('mlflow.experiments.search')).toBe(2);
  });

  it('a caller presenting the other user\'s credentials gets what those allow, never the cached answer of their own', async () => {
    await as(keys.alice, alice, PROJECTS);
    const crossed = await as(keys.alice, bob, PROJECTS);
    expect(names(crossed.body)).toEqual([`${bob.username}-exp`]);
  });

  it('reading the other user\'s experiment is refused by MLflow and reported, with nothing of it returned', async () => {
    const res = await as(keys.bob, bob, { query: 'query($id: ID!) { project(id: $id) { name } }', variables: { id: encodeId('Project', 'mlflow', experiments[alice.username] ?? '') } });
    expect(JSON.stringify(res.body)).not.toContain(`${alice.username}-exp`);
    expect(res.body.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|NOT_FOUND/);
  });

  it('the CSV export follows the same credentials: each caller exports only what they may read, cached or not', async () => {
    const csv = (key: string, user: { username: string; password: string }, owner: string) =>
      app.http.get('/export/runs.csv').query({ projectId: encodeId('Project', 'mlflow', experiments[owner] ?? '') }).set('x-api-key', key).set('x-source-token-mlflow', basic(user));
    for (let round = 0; round < 2; round++) {
      const own = await csv(keys.alice, alice, alice.username);
      expect(own.status).toBe(200);
      expect(own.text).toContain(`${alice.username}-run`);
      const other = await csv(keys.bob, bob, alice.username);
      expect(other.status).not.toBe(200);
      expect(other.text).not.toContain(`${alice.username}-run`);
    }
  });

  it('a source that uses callers\' credentials refuses a request that brings none', async () => {
    const res = await as(keys.alice, null, PROJECTS);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toMatch(/X-Source-Token-mlflow/);
    expect(app.calls.count()).toBe(0);
  });
});
