import { encodeId } from '../../src/ids';
import type { WandbServer } from '../wandb-server/server';
import { pythonJson, wandbEnv } from '../helpers/python';
import { buildTestApp, errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY, wandbApp } from '../helpers/wandb';

const SUMMARY = `mutation($id: ID!, $set: JSON, $rename: [KeyRenameInput!], $delete: [String!]) { updateRunSummary(runId: $id, set: $set, rename: $rename, delete: $delete) { run { summary } } }`;
const CONFIG = `mutation($id: ID!, $set: JSON, $delete: [String!]) { updateRunConfig(runId: $id, set: $set, delete: $delete) { run { config } } }`;
const META = `mutation($id: ID!, $input: RunMetadataInput!) { updateRun(runId: $id, input: $input) { run { name notes group jobType tags { key } } } }`;
const wandbRun = (name: string) => encodeId('Run', 'wandb', `mlgate/vision/${name}`);

describe('run writes on W&B', () => {
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
  const stored = (name: string) => {
    const run = wandb.store.run('mlgate', 'vision', name);
    if (!run) throw new Error(`no run ${name}`);
    return run;
  };

  it('sets, renames and deletes summary keys in one write, returns the run as written, and the SDK reads it back', async () => {
    const data = expectNoErrors(
      await app.gql<{ updateRunSummary: { run: { summary: Record<string, unknown> } } }>(SUMMARY, { id: wandbRun('run00003'), set: { best: { acc: 0.9, epoch: 7 } }, rename: [{ from: 'val_acc', to: 'val_accuracy' }], delete: ['loss'] }),
      app.calls,
    );
    const summary = data.updateRunSummary.run.summary;
    expect(summary.best).toEqual({ acc: 0.9, epoch: 7 });
    expect(summary.val_accuracy).toBe(0.73);
    expect(summary).not.toHaveProperty('val_acc');
    expect(summary).not.toHaveProperty('loss');
    // A fresh read, the write, the read-back.
    expect(wandb.operations).toEqual(['Runs', 'UpsertBucket', 'Runs']);
    const sdk = await pythonJson<Record<string, unknown>>(`import json, wandb\nr = wandb.Api(timeout=60).run("mlgate/vision/run00003")\nprint(json.dumps({k: v for k, v in r.summary._json_dict.items() if not k.startswith("_")}))`, wandbEnv(wandb.url));
    expect(sdk.best).toEqual({ acc: 0.9, epoch: 7 });
    expect(sdk.val_accuracy).toBe(0.73);
    expect(sdk).not.toHaveProperty('loss');
  }, 60_000);

  it('sets and deletes config keys and changes name, notes, tags, group and job type, as the SDK then reads them', async () => {
    expectNoErrors(await app.gql(CONFIG, { id: wandbRun('run00004'), set: { optimizer: 'adamw', schedule: { warmup: 100 } }, delete: ['batch_size'] }), app.calls);
    const meta = expectNoErrors(
      await app.gql<{ updateRun: { run: Record<string, unknown> } }>(META, { id: wandbRun('run00004'), input: { name: 'renamed', notes: 'checked by hand', group: 'g2', jobType: 'eval', tags: { add: ['reviewed'], remove: ['main'] } } }),
      app.calls,
    );
    expect(meta.updateRun.run).toEqual({ name: 'renamed', notes: 'checked by hand', group: 'g2', jobType: 'eval', tags: [{ key: 'baseline' }, { key: 'reviewed' }] });
    const sdk = await pythonJson<{ config: Record<string, unknown>; name: string; notes: string; tags: string[]; group: string; job_type: string }>(
      `import json, wandb\nr = wandb.Api(timeout=60).run("mlgate/vision/run00004")\nprint(json.dumps({"config": {k: v for k, v in r.config.items() if not k.startswith("_")}, "name": r.name, "notes": r.notes, "tags": sorted(r.tags), "group": r.group, "job_type": r.job_type}))`,
      wandbEnv(wandb.url),
    );
    expect(sdk.config).toMatchObject({ optimizer: 'adamw', schedule: { warmup: 100 }, experiment_name: 'bar' });
    expect(sdk.config).not.toHaveProperty('batch_size');
    expect(sdk).toMatchObject({ name: 'renamed', notes: 'checked by hand', tags: ['baseline', 'reviewed'], group: 'g2', job_type: 'eval' });
  }, 60_000);

  it('refuses bad input before writing anything', async () => {
    const before = JSON.stringify(stored('run00005').summary);
    const cases: Array<[string, Record<string, unknown>]> = [
      [SUMMARY, { set: { _wandb: 1 } }],
      [SUMMARY, { set: { a: 1 }, delete: ['a'] }],
      [SUMMARY, { rename: [{ from: 'nope', to: 'x' }] }],
      [SUMMARY, { rename: [{ from: 'acc', to: 'loss' }] }],
      [SUMMARY, { set: [1, 2] }],
      [SUMMARY, { set: { big: 'x'.repeat(300_000) } }],
      [SUMMARY, {}],
      [CONFIG, { set: { '': 1 } }],
    ];
    for (const [query, vars] of cases) expect(errorCodes(await app.gql(query, { id: wandbRun('run00005'), ...vars }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await app.gql(SUMMARY, { id: wandbRun('nosuch00'), set: { a: 1 } }))).toEqual(['NOT_FOUND']);
    expect(wandb.operations.filter((op) => op === 'UpsertBucket')).toEqual([]);
    expect(JSON.stringify(stored('run00005').summary)).toBe(before);
  });

  it('loses nothing when 100 summary and 100 config updates of distinct keys hit one run at once', async () => {
    const id = wandbRun('run00001');
    const results = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => app.gql(SUMMARY, { id, set: { [`s${i}`]: i } })),
      ...Array.from({ length: 100 }, (_, i) => app.gql(CONFIG, { id, set: { [`c${i}`]: i } })),
    ]);
    expect(results.filter((r) => r.errors)).toEqual([]);
    const run = stored('run00001');
    for (let i = 0; i < 100; i++) {
      expect(run.summary[`s${i}`]).toBe(i);
      expect((run.config as Record<string, { value: unknown }>)[`c${i}`]?.value).toBe(i);
    }
  }, 120_000);

  it('two gateway replicas sharing Redis serialise their writes to one run: nothing lost', async () => {
    const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const env = { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, REDIS_URL: redis, MLGATE_CACHE: 'off' };
    const [a, b] = await Promise.all([buildTestApp({ env }), buildTestApp({ env })]);
    try {
      const id = wandbRun('run00002');
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).gql(SUMMARY, { id, set: { [`r${i}`]: i } })));
      expect(results.filter((r) => r.errors)).toEqual([]);
      const run = stored('run00002');
      for (let i = 0; i < 60; i++) expect(run.summary[`r${i}`]).toBe(i);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 120_000);

  it('with the cache on, the next read after a write sees it, on this replica and on another sharing Redis', async () => {
    const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const env = { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, REDIS_URL: redis, MLGATE_CACHE: 'on' };
    const [a, b] = await Promise.all([buildTestApp({ env }), buildTestApp({ env })]);
    const read = (app: TestApp) => app.gql<{ runByPath: { summary: Record<string, unknown> } }>(`{ runByPath(path: "mlgate/vision/run00000") { summary } }`);
    try {
      await read(a);
      await read(b);
      b.calls.reset();
      expect((await read(b)).data?.runByPath.summary.cached_then_written).toBeUndefined();
      expect(b.calls.count()).toBe(0);
      expectNoErrors(await a.gql(SUMMARY, { id: wandbRun('run00000'), set: { cached_then_written: 1 } }));
      expect((await read(a)).data?.runByPath.summary.cached_then_written).toBe(1);
      expect((await read(b)).data?.runByPath.summary.cached_then_written).toBe(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);
});
