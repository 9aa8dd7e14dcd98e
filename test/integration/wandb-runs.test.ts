import { encodeId } from '../../src/ids';
import type { WandbServer } from '../wandb-server/server';
import { testSeed } from '../wandb-server/seed';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import { seededRun, wandbApp } from '../helpers/wandb';

const project = (name: string) => encodeId('Project', 'wandb', `mlgate/${name}`);

describe('W&B runs through the gateway', () => {
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

  it('lists W&B projects of the default entity after MLflow experiments, in one listing', async () => {
    const data = expectNoErrors(
      await app.gql<{ projects: { nodes: Array<{ sourceId: string; source: { kind: string } }> } }>(`{ projects(first: 100) { nodes { sourceId source { kind } } } }`),
      app.calls,
    );
    const wandbProjects = data.projects.nodes.filter((p) => p.source.kind === 'WANDB').map((p) => p.sourceId);
    expect(wandbProjects).toEqual(['mlgate/vision', 'mlgate/bulk', 'mlgate/empty']);
    expect(data.projects.nodes[0]?.source.kind).toBe('MLFLOW');
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.search': 1, 'wandb.viewer': 1, 'wandb.projects': 1 });
  });

  it('lists registered models of every source: MLflow models, then W&B registry collections', async () => {
    const all = expectNoErrors(await app.gql<{ registeredModels: { nodes: Array<{ name: string }> } }>(`{ registeredModels { nodes { name } } }`));
    const names = all.registeredModels.nodes.map((m) => m.name);
    expect(names).toContain('mlgate-classifier');
    // W&B orders collections by their own name.
    expect(names.slice(-3)).toEqual(['model/classifier', 'model/detector', 'dataset/imagenet-subset']);
  });

  it('reads a run by path with everything the W&B run holds', async () => {
    const seed = seededRun('vision', 'run00001');
    const data = expectNoErrors(
      await app.gql<{ runByPath: Record<string, unknown> }>(
        `{ runByPath(path: "mlgate/vision/run00001") { id sourceId name state createdAt endedAt user notes gitCommit command webUrl
            config summary tags { key value } systemTags { key } group jobType sweepName systemMetrics historyKeys
            source { name kind } project { sourceId name } } }`,
      ),
      app.calls,
    );
    expect(data.runByPath).toEqual({
      id: encodeId('Run', 'wandb', 'mlgate/vision/run00001'),
      sourceId: 'run00001',
      name: seed.displayName,
      state: 'FINISHED',
      createdAt: `${seed.createdAt}.000Z`,
      endedAt: expect.any(String),
      user: 'ada',
      notes: seed.notes,
      gitCommit: seed.commit,
      command: null,
      webUrl: `${wandb.url}/mlgate/vision/runs/run00001`,
      config: seed.config,
      summary: seed.summary,
      tags: (seed.tags ?? []).map((key) => ({ key, value: null })),
      systemTags: [],
      group: seed.group,
      jobType: seed.jobType,
      sweepName: seed.sweepName,
      systemMetrics: {},
      historyKeys: ['acc', 'loss', 'val_loss'],
      source: { name: 'wandb', kind: 'WANDB' },
      project: { sourceId: 'mlgate/vision', name: 'vision' },
    });
  });

  it('serves a page of 50 runs with config, summary, tags and sweep from one W&B request', async () => {
    const data = expectNoErrors(
      await app.gql<{ runs: { totalCount: number; nodes: Array<{ sourceId: string; config: unknown; summary: unknown; tags: unknown; sweepName: unknown }> } }>(
        `query($p: ID!) { runs(projectId: $p, first: 50, orderBy: ["created_at"]) { totalCount nodes { sourceId config summary tags { key } sweepName } } }`,
        { p: project('bulk') },
      ),
      app.calls,
    );
    const bulk = testSeed().projects.find((p) => p.name === 'bulk')?.runs ?? [];
    expect(data.runs.totalCount).toBe(60);
    expect(data.runs.nodes).toEqual(
      bulk.slice(0, 50).map((r) => ({ sourceId: r.name, config: r.config, summary: r.summary, tags: (r.tags ?? []).map((key) => ({ key })), sweepName: r.sweepName ?? null })),
    );
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1 });
    expect(wandb.operations).toEqual(['Runs']);
  });

  it('pages through 60 runs with gateway cursors that carry W&B cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const data: { runs: { nodes: Array<{ sourceId: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } = expectNoErrors(
        await app.gql(`query($p: ID!, $after: String) { runs(projectId: $p, first: 25, after: $after, orderBy: ["+createdAt"]) { nodes { sourceId } pageInfo { hasNextPage endCursor } } }`, {
          p: project('bulk'),
          after,
        }),
      );
      seen.push(...data.runs.nodes.map((n) => n.sourceId));
      if (!data.runs.pageInfo.hasNextPage) break;
      after = data.runs.pageInfo.endCursor;
    }
    expect(seen).toEqual((testSeed().projects.find((p) => p.name === 'bulk')?.runs ?? []).map((r) => r.name));
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 3 });
  });

  it('passes a MongoDB-style filter and an order to W&B, and counts with the same request', async () => {
    const filter = JSON.stringify({ $or: [{ 'config.experiment_name': 'foo' }, { 'config.experiment_name': 'bar' }] });
    const data = expectNoErrors(
      await app.gql<{ runs: { totalCount: number; nodes: Array<{ sourceId: string }> } }>(
        `query($p: ID!, $f: JSON) { runs(projectId: $p, first: 3, filter: $f, orderBy: ["-summary_metrics.val_acc"]) { totalCount nodes { sourceId } } }`,
        { p: project('vision'), f: filter },
      ),
    );
    expect(data.runs).toEqual({ totalCount: 5, nodes: [{ sourceId: 'longhist1' }, { sourceId: 'run00004' }, { sourceId: 'run00003' }] });
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1 });
  });

  it('samples history of a page of runs with one request, and scans a long history in full', async () => {
    const page = expectNoErrors(
      await app.gql<{ runs: { nodes: Array<{ history: Array<{ step: number; values: Record<string, number> }> }> } }>(
        `query($p: ID!) { runs(projectId: $p, first: 6, orderBy: ["created_at"]) { nodes { history(samples: 5, keys: ["loss", "acc"]) { step values } } } }`,
        { p: project('vision') },
      ),
      app.calls,
    );
    const seed = seededRun('vision', 'run00000');
    const first = page.runs.nodes[0]?.history ?? [];
    expect(first[0]).toEqual({ step: 0, values: { loss: seed.history?.[0]?.loss, acc: seed.history?.[0]?.acc } });
    expect(first[first.length - 1]?.step).toBe(49);
    expect(app.calls.byOp()).toEqual({ 'wandb.runs': 1, 'wandb.sampledHistory': 1 });

    const long = seededRun('vision', 'longhist1').history ?? [];
    const rows: Array<{ step: number; values: Record<string, number> }> = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const data: { runByPath: { historyScan: { rows: typeof rows; pageInfo: { hasNextPage: boolean; endCursor: string } } } } = expectNoErrors(
        await app.gql(`query($a: String) { runByPath(path: "mlgate/vision/longhist1") { historyScan(keys: ["loss", "val_loss"], pageSize: 1000, after: $a) { rows { step values } pageInfo { hasNextPage endCursor } } } }`, {
          a: after,
        }),
      );
      rows.push(...data.runByPath.historyScan.rows);
      if (!data.runByPath.historyScan.pageInfo.hasNextPage) break;
      after = data.runByPath.historyScan.pageInfo.endCursor;
    }
    expect(rows).toEqual(long.map((h) => ({ step: h._step, values: { loss: h.loss, ...(h.val_loss === undefined ? {} : { val_loss: h.val_loss }) } })));
  });

  it('lists files and streams them through the gateway', async () => {
    const data = expectNoErrors(await app.gql<{ runByPath: { files: Array<{ path: string; size: number; downloadUrl: string }> } }>(`{ runByPath(path: "mlgate/vision/run00002") { files { path size downloadUrl } } }`));
    const seed = seededRun('vision', 'run00002').files ?? {};
    expect(data.runByPath.files.map((f) => [f.path, f.size])).toEqual(Object.entries(seed).map(([name, text]) => [name, Buffer.byteLength(text)]).sort());
    for (const f of data.runByPath.files) {
      const res = await app.http.get(new URL(f.downloadUrl).pathname);
      expect(res.status).toBe(200);
      expect(res.text).toBe(seed[f.path]);
    }
  });

  it('answers the same selection for a W&B run and an MLflow run with the same types', async () => {
    const selection = `id name state createdAt endedAt user notes gitCommit config summary tags { key value } historyKeys history(samples: 3) { step values } files { path isDir size }`;
    const projects = expectNoErrors(await app.gql<{ projects: { nodes: Array<{ id: string; name: string }> } }>(`{ projects(source: "mlflow") { nodes { id name } } }`));
    const mlflowProject = projects.projects.nodes.find((p) => p.name === 'mlgate-main')?.id;
    const data = expectNoErrors(
      await app.gql<{ w: Record<string, unknown>; m: { nodes: Array<Record<string, unknown>> } }>(
        `query($m: ID!) { w: runByPath(path: "mlgate/vision/run00001") { ${selection} } m: runs(projectId: $m, first: 1, filter: {displayName: "baseline"}) { nodes { ${selection} } } }`,
        { m: mlflowProject },
      ),
    );
    const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    const shape = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeOf(v)]));
    expect(shape(data.w)).toEqual(shape(data.m.nodes[0] ?? {}));
  });

  it.each([
    ['a filter that is not JSON', `runs(projectId: "${project('vision')}", filter: "config.lr > 1") { nodes { name } }`, 'BAD_USER_INPUT', 0],
    ['an unknown filter operator', `runs(projectId: "${project('vision')}", filter: {config_lr: {gt: 1}}) { nodes { name } }`, 'BAD_USER_INPUT', 0],
    ['two order keys', `runs(projectId: "${project('vision')}", orderBy: ["-a", "b"]) { nodes { name } }`, 'BAD_USER_INPUT', 0],
    ['a malformed path', `runByPath(path: "just-a-run") { name }`, 'BAD_USER_INPUT', 0],
    ['an unknown project', `runs(projectId: "${project('nope')}") { nodes { name } }`, 'NOT_FOUND', 1],
    ['an unknown run', `runByPath(path: "mlgate/vision/nosuchrun") { name }`, 'NOT_FOUND', 1],
  ])('answers %s with a typed error', async (_what, field, code, requests) => {
    const res = await app.gql(`{ ${field} }`);
    expect(errorCodes(res)).toEqual([code]);
    expect(res.errors?.[0]?.extensions?.source ?? 'wandb').toBe('wandb');
    expect(app.calls.count()).toBe(requests);
  });
});
