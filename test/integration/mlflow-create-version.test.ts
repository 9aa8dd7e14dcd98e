import { randomUUID } from 'node:crypto';
import { pythonJson } from '../helpers/python';
import { realMlflowApp } from '../helpers/real-mlflow';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';

const CREATE = `mutation($source: String!, $model: String!, $uri: String!, $d: String) { createModelVersion(source: $source, model: $model, artifactUri: $uri, description: $d) { version { version description sourceUri run { sourceId } model { name } } } }`;

describe('createModelVersion on a real MLflow server', () => {
  let app: TestApp;
  // A model and experiment of its own: the shared server's seeded models are other tests' expectations.
  const model = `mlgate-create-${randomUUID().slice(0, 8)}`;
  let runId = '';
  const env = () => ({ MLFLOW_TRACKING_URI: process.env.MLGATE_TEST_MLFLOW_URL ?? '' });
  const versionsSeenByMlflow = () =>
    pythonJson<Array<{ version: string; run_id: string; description: string }>>(
      `
import json
from mlflow.tracking import MlflowClient
vs = MlflowClient().search_model_versions(${JSON.stringify(`name='${model}'`)})
print(json.dumps(sorted(({"version": v.version, "run_id": v.run_id, "description": v.description or ""} for v in vs), key=lambda v: v["version"])))
`,
      env(),
    );

  beforeAll(async () => {
    ({ app } = await realMlflowApp());
    runId = await pythonJson<string>(
      `
import json
from mlflow.tracking import MlflowClient
c = MlflowClient()
exp = c.create_experiment(${JSON.stringify(model)})
run = c.create_run(exp, run_name="version-source")
c.create_registered_model(${JSON.stringify(model)})
print(json.dumps(run.info.run_id))
`,
      env(),
    );
  }, 60_000);
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('registers a version from a run\'s files, read back fresh and by the mlflow client', async () => {
    const data = expectNoErrors(
      await app.gql<{ createModelVersion: { version: Record<string, unknown> } }>(CREATE, { source: 'mlflow', model, uri: `runs:/${runId}/model`, d: 'from the gateway' }),
      app.calls,
    );
    expect(data.createModelVersion.version).toMatchObject({ version: '1', description: 'from the gateway', run: { sourceId: runId }, model: { name: model } });
    expect(await versionsSeenByMlflow()).toEqual([{ version: '1', run_id: runId, description: 'from the gateway' }]);
    // The model and the run checked, the create, then the version, its model and its run read back.
    expect(app.calls.byOp()).toEqual({ 'mlflow.registeredModels.get': 2, 'mlflow.runs.get': 2, 'mlflow.modelVersions.create': 1, 'mlflow.modelVersions.get': 1 });
  }, 60_000);

  it('refuses malformed input, and unknown models and runs, before writing', async () => {
    for (const uri of ['models:/x/1', `runs:/${runId}`, `runs:/${runId}/`, `runs:/${runId}/../other`, `runs://model`]) {
      expect([uri, errorCodes(await app.gql(CREATE, { source: 'mlflow', model, uri }))]).toEqual([uri, ['BAD_USER_INPUT']]);
    }
    expect(errorCodes(await app.gql(CREATE, { source: 'mlflow', model: ' ', uri: `runs:/${runId}/model` }))).toEqual(['BAD_USER_INPUT']);
    expect(app.calls.calls).toEqual([]);
    expect(errorCodes(await app.gql(CREATE, { source: 'mlflow', model: `${model}-missing`, uri: `runs:/${runId}/model` }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await app.gql(CREATE, { source: 'mlflow', model, uri: 'runs:/0123456789abcdef0123456789abcdef/model' }))).toEqual(['NOT_FOUND']);
    expect(app.calls.count('mlflow.modelVersions.create')).toBe(0);
    expect(await versionsSeenByMlflow()).toHaveLength(1);
  }, 60_000);
});
