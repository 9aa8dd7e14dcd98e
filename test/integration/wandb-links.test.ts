import { encodeId } from '../../src/ids';
import { pythonJson, wandbEnv } from '../helpers/python';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import { wandbApp } from '../helpers/wandb';
import type { WandbServer } from '../wandb-server/server';

const LINK = `mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { version { id version aliases sourceUri metadata model { name } } } }`;
const SET = `mutation($id: ID!, $add: [String!], $remove: [String!]) { setModelVersionAliases(id: $id, add: $add, remove: $remove) { version { version aliases } } }`;

interface Linked {
  linkArtifact: { version: { id: string; version: string; aliases: string[]; sourceUri: string; metadata: Record<string, unknown>; model: { name: string } } };
}

const versionId = (model: string, v: string) => encodeId('ModelVersion', 'wandb', `${model}/${v}`);
const WRITES = ['wandb.linkArtifact', 'wandb.addAliases', 'wandb.deleteAliases'];

describe('linking artifacts into W&B registries and changing registry aliases through the gateway', () => {
  let app: TestApp;
  let wandb: WandbServer;
  /** What the W&B server holds: collection → version → aliases. */
  const held = (registry: string, collection: string) => {
    const r = wandb.store.registry;
    const project = wandb.store.project(r.orgEntity, `wandb-registry-${registry}`);
    const c = project ? r.collection(project, collection) : undefined;
    return c ? Object.fromEntries(c.members.map((m) => [m.versionIndex, [...m.aliases].sort()])) : null;
  };
  const writes = () => app.calls.calls.filter((c) => WRITES.includes(c.op));

  beforeAll(async () => {
    ({ app, wandb } = await wandbApp());
    // The key's entity and organization are read once per process; later counts leave them out.
    expectNoErrors(await app.gql(`{ registries(source: "wandb") { name } }`));
  });
  afterAll(async () => {
    await app.stop();
    await wandb.stop();
  });
  beforeEach(() => {
    app.calls.reset();
    wandb.operations.length = 0;
  });

  it('links a logged artifact into a collection as its newest version, which takes latest and the aliases, read back fresh', async () => {
    const data = expectNoErrors(
      await app.gql<Linked>(LINK, { input: { source: 'wandb', artifactPath: 'mlgate/vision/resnet:v0', registry: 'model', collection: 'classifier', aliases: ['staging'] } }),
      app.calls,
    );
    expect(data.linkArtifact.version).toEqual({
      id: versionId('model/classifier', '3'),
      version: '3',
      aliases: ['latest', 'staging'],
      sourceUri: 'wandb-artifact://mlgate/vision/resnet:v0',
      metadata: { depth: 18 },
      model: { name: 'model/classifier' },
    });
    // `staging` moved from version 1 to the new link.
    expect(held('model', 'classifier')).toEqual({ 0: ['baseline'], 1: [], 2: ['production'], 3: ['latest', 'staging'] });
    expect(app.calls.byOp()).toEqual({ 'wandb.artifactMembership': 1, 'wandb.registryCollections': 2, 'wandb.linkArtifact': 1, 'wandb.registryVersions': 1 });
    expect(wandb.operations).toEqual(expect.arrayContaining(['ArtifactMembershipByName', 'LinkArtifact']));
  });

  it('linking an artifact the collection already holds returns that version with the added alias', async () => {
    const data = expectNoErrors(await app.gql<Linked>(LINK, { input: { source: 'wandb', artifactPath: 'mlgate/vision/resnet:v0', registry: 'model', collection: 'classifier', aliases: ['eu'] } }), app.calls);
    expect(data.linkArtifact.version).toMatchObject({ version: '3', aliases: ['latest', 'staging', 'eu'] });
    expect(held('model', 'classifier')?.[4]).toBeUndefined();
    expect(app.calls.count('wandb.linkArtifact')).toBe(1);
  });

  it('links the source artifact of a registry version into a collection it creates when asked', async () => {
    const input = { modelVersionId: versionId('model/classifier', '2'), registry: 'model', collection: 'promoted', aliases: ['review'] };
    expect(errorCodes(await app.gql(LINK, { input }))).toEqual(['NOT_FOUND']);
    expect(writes()).toEqual([]);
    const data = expectNoErrors(await app.gql<Linked>(LINK, { input: { ...input, createCollection: true } }), app.calls);
    expect(data.linkArtifact.version).toMatchObject({ version: '0', aliases: ['latest', 'review'], sourceUri: 'wandb-artifact://mlgate/vision/classifier:v2', model: { name: 'model/promoted' } });
    expect(held('model', 'promoted')).toEqual({ 0: ['latest', 'review'] });
  });

  it('refuses bad input with a typed error before any upstream call', async () => {
    const base = { source: 'wandb', artifactPath: 'mlgate/vision/resnet:v1', registry: 'model', collection: 'classifier' };
    const bad = [
      { ...base, aliases: ['latest'] },
      { ...base, aliases: ['v7'] },
      { ...base, aliases: ['has space'] },
      { ...base, collection: 'a/b' },
      { ...base, registry: '' },
      { ...base, artifactPath: 'vision/resnet:v1' },
      { ...base, artifactPath: 'mlgate/vision/resnet:v1:x' },
      { ...base, modelVersionId: versionId('model/classifier', '1') },
      { registry: 'model', collection: 'classifier' },
      { ...base, source: undefined },
      { modelVersionId: versionId('model/classifier', '1'), source: 'mlflow', registry: 'model', collection: 'classifier' },
    ];
    for (const input of bad) expect([JSON.stringify(input), errorCodes(await app.gql(LINK, { input }))]).toEqual([JSON.stringify(input), ['BAD_USER_INPUT']]);
    expect(app.calls.calls).toEqual([]);
    expect(errorCodes(await app.gql(LINK, { input: { ...base, source: 'mlflow' } }))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    // W&B's way of registering a version is linking; MLflow's createModelVersion is not offered there.
    const create = `mutation { createModelVersion(source: "wandb", model: "model/classifier", artifactUri: "runs:/run00001/model") { version { version } } }`;
    expect(errorCodes(await app.gql(create))).toEqual(['UNSUPPORTED_BY_SOURCE']);
    expect(app.calls.calls).toEqual([]);
  });

  it('refuses unknown artifacts, registries and collections and a type the collection does not hold, writing nothing', async () => {
    const before = JSON.stringify([held('model', 'classifier'), held('dataset', 'imagenet-subset')]);
    const base = { source: 'wandb', artifactPath: 'mlgate/vision/resnet:v1', registry: 'model', collection: 'classifier' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, artifactPath: 'mlgate/vision/resnet:v9' }, 'NOT_FOUND'],
      [{ ...base, artifactPath: 'mlgate/nope/resnet:v1' }, 'NOT_FOUND'],
      [{ ...base, registry: 'nope', createCollection: true }, 'NOT_FOUND'],
      [{ ...base, collection: 'nope' }, 'NOT_FOUND'],
      [{ ...base, modelVersionId: versionId('model/classifier', '99'), artifactPath: undefined }, 'NOT_FOUND'],
      [{ ...base, artifactPath: 'mlgate/vision/imagenet-subset:v0' }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) expect([JSON.stringify(input), errorCodes(await app.gql(LINK, { input }))]).toEqual([JSON.stringify(input), [code]]);
    expect(writes()).toEqual([]);
    expect(wandb.operations).not.toContain('LinkArtifact');
    expect(JSON.stringify([held('model', 'classifier'), held('dataset', 'imagenet-subset')])).toBe(before);
  });

  it('adds and removes aliases of a registry version with only the writes that change something', async () => {
    const id = versionId('model/classifier', '0');
    const data = expectNoErrors(await app.gql<{ setModelVersionAliases: { version: { version: string; aliases: string[] } } }>(SET, { id, add: ['production', 'gold'], remove: ['baseline'] }), app.calls);
    expect(data.setModelVersionAliases.version).toEqual({ version: '0', aliases: ['production', 'gold'] });
    expect(held('model', 'classifier')).toMatchObject({ 0: ['gold', 'production'], 2: [] });
    expect(app.calls.byOp()).toEqual({ 'wandb.artifactMembership': 1, 'wandb.deleteAliases': 1, 'wandb.addAliases': 1, 'wandb.registryVersions': 1 });

    app.calls.reset();
    expectNoErrors(await app.gql(SET, { id, add: ['gold'], remove: ['staging'] }), app.calls);
    expect(writes()).toEqual([]);
  });

  it('refuses reserved, malformed and contradictory aliases, and unknown versions, before writing', async () => {
    const id = versionId('model/classifier', '1');
    for (const args of [{ add: ['latest'] }, { remove: ['latest'] }, { add: ['v3'] }, { add: ['a:b'] }, { add: ['x'], remove: ['x'] }, {}]) {
      expect(errorCodes(await app.gql(SET, { id, ...args }))).toEqual(['BAD_USER_INPUT']);
    }
    expect(app.calls.calls).toEqual([]);
    expect(errorCodes(await app.gql(SET, { id: versionId('model/classifier', '42'), add: ['ok'] }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await app.gql(SET, { id: versionId('model/nope', '0'), add: ['ok'] }))).toEqual(['NOT_FOUND']);
    expect(writes()).toEqual([]);
  });

  it('the real wandb SDK reads back the links and alias changes made through the gateway', async () => {
    const seen = await pythonJson<Record<string, unknown>>(
      `
import json, wandb
api = wandb.Api(timeout=60)
def show(path):
    a = api.artifact(path)
    return {"version": a.version, "aliases": sorted(a.aliases), "source": a.source_name, "metadata": a.metadata}
print(json.dumps({
    "linked": show("wandb-registry-model/classifier:v3"),
    "gold": show("wandb-registry-model/classifier:gold"),
    "promoted": show("wandb-registry-model/promoted:latest"),
    "versions": sorted(v.version for v in api.registries(filter={"name": "model"}).collections(filter={"name": "classifier"}).versions()),
}))
`,
      wandbEnv(wandb.url),
    );
    expect(seen).toEqual({
      linked: { version: 'v3', aliases: ['eu', 'latest', 'staging'], source: 'resnet:v0', metadata: { depth: 18 } },
      gold: { version: 'v0', aliases: ['gold', 'production'], source: 'classifier:v0', metadata: { val_acc: 0.7, epochs: 10 } },
      promoted: { version: 'v0', aliases: ['latest', 'review'], source: 'classifier:v2', metadata: { val_acc: 0.72, epochs: 12 } },
      versions: ['v0', 'v1', 'v2', 'v3'],
    });
  }, 60_000);
});
