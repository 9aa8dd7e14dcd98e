import { encodeId } from '../../src/ids';
import type { WandbServer } from '../wandb-server/server';
import { BULK_SWEEP, testSeed, VISION_SWEEP } from '../wandb-server/seed';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import { wandbApp } from '../helpers/wandb';

const SWEEP_FIELDS = `id sourceId name state method description config metric { name goal } bestValue runCount expectedRunCount createdAt webUrl project { sourceId }`;

describe('W&B sweeps through the gateway', () => {
  let app: TestApp;
  let wandb: WandbServer;
  beforeAll(async () => {
    ({ app, wandb } = await wandbApp());
  });
  afterAll(async () => {
    await app.stop();
    await wandb.stop();
  });
  beforeEach(() => {
    app.calls.reset();
    wandb.operations.length = 0;
  });

  it('reads a sweep by path with its parsed YAML configuration, metric and best value', async () => {
    const data = expectNoErrors(await app.gql<{ sweepByPath: Record<string, unknown> }>(`{ sweepByPath(path: "mlgate/vision/${VISION_SWEEP}") { ${SWEEP_FIELDS} } }`), app.calls);
    const seeded = testSeed().projects[0]?.sweeps?.[0];
    expect(data.sweepByPath).toEqual({
      id: encodeId('Sweep', 'wandb', `mlgate/vision/${VISION_SWEEP}`),
      sourceId: VISION_SWEEP,
      name: 'lr search',
      state: 'FINISHED',
      method: 'bayes',
      description: 'learning-rate search over three trials',
      config: seeded?.config,
      metric: { name: 'val_acc', goal: 'MAXIMIZE' },
      bestValue: 0.72,
      runCount: 3,
      expectedRunCount: 3,
      createdAt: '2026-01-01T09:00:00.000Z',
      webUrl: `${wandb.url}/mlgate/vision/sweeps/${VISION_SWEEP}`,
      project: { sourceId: 'mlgate/vision' },
    });
    expect(app.calls.byOp()).toEqual({ 'wandb.sweep': 1, 'wandb.project': 1 });
    expect(wandb.operations).toEqual(['GetSweep', 'Project']);
  });

  it('lists the sweep\'s runs and finds the best run by the metric\'s goal, one request each', async () => {
    const data = expectNoErrors(
      await app.gql<{ sweep: { runs: { totalCount: number; nodes: Array<{ sourceId: string }> }; bestRun: { sourceId: string; summary: { val_acc: number } } } }>(
        `query($id: ID!) { sweep(id: $id) { runs(orderBy: ["created_at"]) { totalCount nodes { sourceId } } bestRun { sourceId summary } } }`,
        { id: encodeId('Sweep', 'wandb', `mlgate/vision/${VISION_SWEEP}`) },
      ),
      app.calls,
    );
    expect(data.sweep.runs.nodes.map((r) => r.sourceId)).toEqual(['run00000', 'run00001', 'run00002']);
    expect(data.sweep.runs.totalCount).toBe(3);
    expect(data.sweep.bestRun.sourceId).toBe('run00002');
    expect(data.sweep.bestRun.summary.val_acc).toBe(0.72);
    expect(app.calls.byOp()).toEqual({ 'wandb.sweep': 1, 'wandb.runs': 2 });
  });

  it('a minimising sweep without runs has no best run, and its runs list is empty', async () => {
    const data = expectNoErrors(
      await app.gql<{ sweepByPath: { state: string; metric: unknown; bestRun: unknown; bestValue: unknown; runs: { nodes: unknown[] } } }>(
        `{ sweepByPath(path: "mlgate/vision/swpempty") { state metric { name goal } bestValue bestRun { sourceId } runs { nodes { sourceId } } } }`,
      ),
    );
    expect(data.sweepByPath).toEqual({ state: 'RUNNING', metric: { name: 'loss', goal: 'MINIMIZE' }, bestValue: null, bestRun: null, runs: { nodes: [] } });
  });

  it('gives every run of a 50-run page its sweep with one W&B request for the runs and one for the sweeps', async () => {
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: Array<{ sourceId: string; sweepName: string | null; sweep: { sourceId: string; method: string } | null }> } }>(
        `query($p: ID!) { runs(projectId: $p, first: 50, orderBy: ["created_at"]) { nodes { sourceId sweepName sweep { sourceId method } } } }`,
        { p: encodeId('Project', 'wandb', 'mlgate/bulk') },
      ),
      app.calls,
    );
    expect(data.runs.nodes).toHaveLength(50);
    for (const [i, run] of data.runs.nodes.entries()) {
      expect(run.sweep).toEqual(i % 2 === 0 ? { sourceId: BULK_SWEEP, method: 'grid' } : null);
    }
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1, 'wandb.sweep': 1 });
  });

  it('a 50-run page with config, summary, sweep and two sampled history keys costs two W&B requests: runs, then history and sweeps in one document', async () => {
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: Array<{ sourceId: string; config: unknown; summary: unknown; sweep: { sourceId: string } | null; history: Array<{ step: number; values: Record<string, number> }> }> } }>(
        `query($p: ID!) { runs(projectId: $p, first: 50, orderBy: ["created_at"]) { nodes { sourceId config summary sweep { sourceId } history(samples: 10, keys: ["loss", "acc"]) { step values } } } }`,
        { p: encodeId('Project', 'wandb', 'mlgate/bulk') },
      ),
      app.calls,
    );
    const seeded = testSeed().projects.find((p) => p.name === 'bulk')?.runs ?? [];
    expect(data.runs.nodes).toHaveLength(50);
    for (const [i, run] of data.runs.nodes.entries()) {
      const seed = seeded[i];
      expect(run.sourceId).toBe(seed?.name);
      expect(run.config).toEqual(seed?.config);
      expect(run.sweep).toEqual(i % 2 === 0 ? { sourceId: BULK_SWEEP } : null);
      const first = seed?.history?.[0];
      expect(run.history[0]).toEqual({ step: 0, values: { loss: first?.loss, acc: first?.acc } });
      expect(run.history.length).toBeGreaterThan(1);
    }
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1, 'wandb.sampledHistory+wandb.sweep': 1 });
    expect(wandb.operations).toEqual(['Runs', 'GetSweep_RunSampledHistory']);
  });

  it('lists a project\'s sweeps; an MLflow experiment has none', async () => {
    const data = expectNoErrors(
      await app.gql<{ project: { sweeps: { nodes: Array<{ sourceId: string; runCount: number }> } } }>(`query($p: ID!) { project(id: $p) { sweeps { nodes { sourceId runCount } } } }`, {
        p: encodeId('Project', 'wandb', 'mlgate/vision'),
      }),
    );
    expect(data.project.sweeps.nodes).toEqual([
      { sourceId: VISION_SWEEP, runCount: 3 },
      { sourceId: 'swpempty', runCount: 0 },
    ]);
    const mlflow = expectNoErrors(await app.gql<{ projects: { nodes: Array<{ source: { kind: string }; sweeps: { nodes: unknown[] } }> } }>(`{ projects(source: "mlflow", first: 1) { nodes { source { kind } sweeps { nodes { sourceId } } } } }`));
    expect(mlflow.projects.nodes[0]).toEqual({ source: { kind: 'MLFLOW' }, sweeps: { nodes: [] } });
  });

  it('a missing sweep is NOT_FOUND, a bad path is BAD_USER_INPUT, and an MLflow sweep id is UNSUPPORTED_BY_SOURCE', async () => {
    expect(errorCodes(await app.gql(`{ sweepByPath(path: "mlgate/vision/nosuchsw") { id } }`))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await app.gql(`{ sweepByPath(path: "vision/nosuchsw") { id } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await app.gql(`query($id: ID!) { sweep(id: $id) { id } }`, { id: encodeId('Sweep', 'mlflow', '1/abc') }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
  });
});
