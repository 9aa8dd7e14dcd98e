import { randomUUID } from 'node:crypto';
import { encodeId } from '../../src/ids';
import { pythonJson } from '../helpers/python';
import { realMlflowApp } from '../helpers/real-mlflow';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';

const SET = `mutation($id: ID!, $add: [String!], $remove: [String!]) { setModelVersionAliases(id: $id, add: $add, remove: $remove) { version { version aliases } } }`;

describe('model version aliases on a real MLflow server', () => {
  let app: TestApp;
  // A model of its own: the shared server's seeded models are other tests' expectations.
  const model = `mlgate-aliases-${randomUUID().slice(0, 8)}`;
  const env = () => ({ MLFLOW_TRACKING_URI: process.env.MLGATE_TEST_MLFLOW_URL ?? '' });
  const versionId = (v: string) => encodeId('ModelVersion', 'mlflow', `${model}/${v}`);
  const aliasesSeenByMlflow = () =>
    pythonJson<Record<string, string>>(
      `
import json
from mlflow.tracking import MlflowClient
print(json.dumps(MlflowClient().get_registered_model(${JSON.stringify(model)}).aliases))
`,
      env(),
    );

  beforeAll(async () => {
    ({ app } = await realMlflowApp());
    await pythonJson(
      `
import json
from mlflow.tracking import MlflowClient
c = MlflowClient()
# An experiment of its own: the seeded ones are other tests' expectations.
exp = c.create_experiment(${JSON.stringify(model)})
run = c.create_run(exp, run_name="alias-source")
c.create_registered_model(${JSON.stringify(model)})
for _ in range(2):
    c.create_model_version(${JSON.stringify(model)}, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
c.set_registered_model_alias(${JSON.stringify(model)}, "champion", "1")
print(json.dumps(True))
`,
      env(),
    );
  }, 60_000);
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('moves an alias to another version and removes one, as the mlflow client then reports', async () => {
    const data = expectNoErrors(await app.gql<{ setModelVersionAliases: { version: { version: string; aliases: string[] } } }>(SET, { id: versionId('2'), add: ['champion', 'candidate'] }), app.calls);
    expect(data.setModelVersionAliases.version).toEqual({ version: '2', aliases: ['candidate', 'champion'] });
    expect(await aliasesSeenByMlflow()).toEqual({ champion: '2', candidate: '2' });

    app.calls.reset();
    expectNoErrors(await app.gql(SET, { id: versionId('2'), remove: ['candidate'] }), app.calls);
    expect(await aliasesSeenByMlflow()).toEqual({ champion: '2' });
    // The model and version read, the one delete, then the version read back.
    expect(app.calls.byOp()).toEqual({ 'mlflow.registeredModels.get': 1, 'mlflow.modelVersions.get': 2, 'mlflow.registeredModels.deleteAlias': 1 });
  }, 60_000);

  it('removing an alias the version does not hold changes nothing', async () => {
    expectNoErrors(await app.gql(SET, { id: versionId('1'), remove: ['champion'] }), app.calls);
    expect(app.calls.count('mlflow.registeredModels.deleteAlias')).toBe(0);
    expect(await aliasesSeenByMlflow()).toEqual({ champion: '2' });
  }, 60_000);

  it('refuses reserved, malformed and contradictory aliases, and unknown versions, before writing', async () => {
    for (const args of [{ add: ['latest'] }, { add: ['v3'] }, { add: ['has space'] }, { add: ['x'], remove: ['x'] }, {}]) {
      expect(errorCodes(await app.gql(SET, { id: versionId('1'), ...args }))).toEqual(['BAD_USER_INPUT']);
    }
    expect(errorCodes(await app.gql(SET, { id: versionId('9'), add: ['ok'] }))).toEqual(['NOT_FOUND']);
    expect(app.calls.calls.filter((c) => c.op.endsWith('Alias'))).toEqual([]);
  });
});
