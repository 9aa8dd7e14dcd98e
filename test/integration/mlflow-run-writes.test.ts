import { encodeId } from '../../src/ids';
import { pythonJson } from '../helpers/python';
import { realMlflowApp } from '../helpers/real-mlflow';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';

const SUMMARY = `mutation($id: ID!, $set: JSON, $rename: [KeyRenameInput!], $delete: [String!]) { updateRunSummary(runId: $id, set: $set, rename: $rename, delete: $delete) { run { summary } } }`;
const CONFIG = `mutation($id: ID!, $set: JSON, $delete: [String!]) { updateRunConfig(runId: $id, set: $set, delete: $delete) { run { config } } }`;
const META = `mutation($id: ID!, $input: RunMetadataInput!) { updateRun(runId: $id, input: $input) { run { name notes tags { key } } } }`;

interface SeenByMlflow {
  name: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  steps: Record<string, number>;
  tags: Record<string, string>;
}

describe('run writes on a real MLflow server', () => {
  let app: TestApp;
  const url = () => process.env.MLGATE_TEST_MLFLOW_URL as string;
  const api = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${url()}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  let experiment = '';
  // Runs of their own: the seeded ones are other tests' expectations.
  const newRun = async (name: string) => {
    const { run } = await api<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: experiment, run_name: name, start_time: Date.now() });
    await api('runs/log-batch', { run_id: run.info.run_id, params: [{ key: 'lr', value: '0.01' }], metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 3 }], tags: [{ key: 'team', value: '' }] });
    return { runId: run.info.run_id, id: encodeId('Run', 'mlflow', `${experiment}/${run.info.run_id}`) };
  };
  const seen = (runId: string) =>
    pythonJson<SeenByMlflow>(
      `
import json
from mlflow.tracking import MlflowClient
c = MlflowClient()
r = c.get_run(${JSON.stringify(runId)})
steps = {k: max(m.step for m in c.get_metric_history(r.info.run_id, k)) for k in r.data.metrics}
print(json.dumps({"name": r.info.run_name, "params": r.data.params, "metrics": r.data.metrics, "steps": steps, "tags": r.data.tags}))
`,
      { MLFLOW_TRACKING_URI: url() },
    );

  beforeAll(async () => {
    ({ app } = await realMlflowApp());
    ({ experiment_id: experiment } = await api<{ experiment_id: string }>('experiments/create', { name: `writes-${Date.now()}` }));
  });
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('summary keys are metrics logged at the next step; config keys are new params; the mlflow client reads them back', async () => {
    const run = await newRun('w1');
    const s = expectNoErrors(await app.gql<{ updateRunSummary: { run: { summary: Record<string, number> } } }>(SUMMARY, { id: run.id, set: { val_acc: 0.91, loss: 0.2 } }), app.calls);
    expect(s.updateRunSummary.run.summary).toEqual({ val_acc: 0.91, loss: 0.2 });
    const c = expectNoErrors(await app.gql<{ updateRunConfig: { run: { config: Record<string, string> } } }>(CONFIG, { id: run.id, set: { optimizer: 'adam', lr: '0.01', layers: [64, 32] } }), app.calls);
    expect(c.updateRunConfig.run.config).toEqual({ lr: '0.01', optimizer: 'adam', layers: '[64,32]' });
    const m = expectNoErrors(await app.gql<{ updateRun: { run: { name: string; notes: string; tags: Array<{ key: string }> } } }>(META, { id: run.id, input: { name: 'w1-renamed', notes: 'good run', tags: { add: ['reviewed'], remove: ['team'] } } }), app.calls);
    expect(m.updateRun.run).toEqual({ name: 'w1-renamed', notes: 'good run', tags: [{ key: 'reviewed' }] });
    const mlflow = await seen(run.runId);
    expect(mlflow.metrics).toEqual({ val_acc: 0.91, loss: 0.2 });
    expect(mlflow.steps).toEqual({ val_acc: 4, loss: 4 });
    expect(mlflow.params).toEqual({ lr: '0.01', optimizer: 'adam', layers: '[64,32]' });
    expect(mlflow.name).toBe('w1-renamed');
    expect(mlflow.tags['mlflow.note.content']).toBe('good run');
    expect(mlflow.tags).toHaveProperty('reviewed');
    expect(mlflow.tags).not.toHaveProperty('team');
  }, 60_000);

  it('refuses what MLflow cannot do before writing anything, even the parts it could do', async () => {
    const run = await newRun('w2');
    expect(errorCodes(await app.gql(SUMMARY, { id: run.id, rename: [{ from: 'loss', to: 'train_loss' }] }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    expect(errorCodes(await app.gql(SUMMARY, { id: run.id, delete: ['loss'] }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    expect(errorCodes(await app.gql(SUMMARY, { id: run.id, set: { note: 'text' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await app.gql(CONFIG, { id: run.id, set: { fresh_key: 1, lr: '0.02' } }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    expect(errorCodes(await app.gql(CONFIG, { id: run.id, delete: ['lr'] }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    expect(errorCodes(await app.gql(META, { id: run.id, input: { group: 'g' } }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    expect(app.calls.calls.filter((call) => call.method !== 'GET')).toEqual([]);
    const mlflow = await seen(run.runId);
    expect(mlflow.params).toEqual({ lr: '0.01' });
    expect(mlflow.metrics).toEqual({ loss: 0.5 });
  }, 60_000);

  it('loses nothing when 100 summary and 100 config updates of distinct keys hit one run at once', async () => {
    const run = await newRun('w3');
    const results = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => app.gql(SUMMARY, { id: run.id, set: { [`m${i}`]: i } })),
      ...Array.from({ length: 100 }, (_, i) => app.gql(CONFIG, { id: run.id, set: { [`p${i}`]: i } })),
    ]);
    expect(results.filter((r) => r.errors)).toEqual([]);
    const mlflow = await seen(run.runId);
    for (let i = 0; i < 100; i++) {
      expect(mlflow.metrics[`m${i}`]).toBe(i);
      expect(mlflow.params[`p${i}`]).toBe(String(i));
    }
  }, 120_000);
});
