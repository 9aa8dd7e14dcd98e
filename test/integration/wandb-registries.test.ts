import { encodeId } from '../../src/ids';
import type { WandbServer } from '../wandb-server/server';
import { ORGANIZATION } from '../wandb-server/seed-registries';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import { wandbApp } from '../helpers/wandb';

interface VersionOut {
  version: string;
  aliases: string[];
  tags: Array<{ key: string }>;
  metadata: Record<string, unknown>;
  model: { name: string };
}

describe('W&B registries through the gateway', () => {
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

  it('lists the organization\'s registries, filtered by name, with their collections', async () => {
    const data = expectNoErrors(
      await app.gql<{ registries: Array<{ name: string; organization: string; description: string; createdAt: string; collections: { nodes: Array<{ name: string; registry: string; type: string; tags: Array<{ key: string }> }> } }> }>(
        `query($f: JSON) { registries(source: "wandb", filter: $f) { name organization description createdAt collections { nodes { name registry type tags { key } } } } }`,
        { f: { name: { $regex: 'mod' } } },
      ),
      app.calls,
    );
    expect(data.registries).toEqual([
      {
        name: 'model',
        organization: ORGANIZATION,
        description: 'Models ready for evaluation and release.',
        createdAt: '2026-01-05T08:00:00.000Z',
        collections: { nodes: [{ name: 'model/classifier', registry: 'model', type: 'model', tags: [{ key: 'vision' }] }, { name: 'model/detector', registry: 'model', type: 'model', tags: [] }] },
      },
    ]);
    expect(wandb.operations).toEqual(['Viewer', 'FetchOrgInfoFromEntity', 'FetchRegistries', 'RegistryCollections']);
  });

  it('finds versions across registries with $or on tags and aliases, as the SDK\'s registries().versions() does, in one request', async () => {
    const data = expectNoErrors(
      await app.gql<{ registryVersions: { nodes: VersionOut[] } }>(
        `query($r: JSON, $f: JSON) { registryVersions(source: "wandb", registryFilter: $r, filter: $f) { nodes { version aliases tags { key } metadata model { name } } } }`,
        { r: { name: { $regex: 'model' } }, f: { $or: [{ tag: 'prod' }, { alias: 'staging' }] } },
      ),
      app.calls,
    );
    expect(data.registryVersions.nodes.map((v) => [v.model.name, v.version, v.aliases, v.tags.map((t) => t.key), v.metadata.val_acc])).toEqual([
      ['model/classifier', '1', ['staging'], ['candidate'], 0.71],
      ['model/classifier', '2', ['production'], ['prod'], 0.72],
    ]);
    // The organization was resolved once for the process (first test); the versions' models are
    // read in one batched request.
    expect(app.calls.byOp()).toEqual({ 'wandb.registryVersions': 1, 'wandb.registryCollections': 1 });
  });

  it('reads a collection by id with its aliases and filtered versions, and a version by id', async () => {
    const model = encodeId('RegisteredModel', 'wandb', 'model/classifier');
    const data = expectNoErrors(
      await app.gql<{ registeredModel: { name: string; aliases: Array<{ alias: string; version: { version: string } }>; versions: { nodes: Array<{ version: string }> } }; v: VersionOut }>(
        `query($m: ID!, $v: ID!, $f: JSON) { registeredModel(id: $m) { name aliases { alias version { version } } versions(filter: $f) { nodes { version } } } v: modelVersion(id: $v) { version aliases metadata model { name } } }`,
        { m: model, v: encodeId('ModelVersion', 'wandb', 'model/classifier/0'), f: { 'metadata.val_acc': { $gte: 0.705 } } },
      ),
      app.calls,
    );
    expect(data.registeredModel.name).toBe('model/classifier');
    expect(data.registeredModel.aliases.map((a) => [a.alias, a.version.version]).sort()).toEqual([['baseline', '0'], ['production', '2'], ['staging', '1']]);
    expect(data.registeredModel.versions.nodes.map((v) => v.version)).toEqual(['1', '2']);
    expect(data.v).toMatchObject({ version: '0', aliases: ['baseline'], metadata: { val_acc: 0.7, epochs: 10 }, model: { name: 'model/classifier' } });
  });

  it('a W&B and an MLflow registered model answer the same selection; bad W&B filters are BAD_USER_INPUT', async () => {
    const both = expectNoErrors(
      await app.gql<{ w: { nodes: Array<{ source: { kind: string }; name: string }> }; m: { nodes: Array<{ source: { kind: string }; name: string }> } }>(
        `{ w: registeredModels(source: "wandb", first: 1) { nodes { source { kind } name tags { key } webUrl } } m: registeredModels(source: "mlflow", first: 1) { nodes { source { kind } name tags { key } webUrl } } }`,
      ),
    );
    expect(both.w.nodes[0]?.source.kind).toBe('WANDB');
    expect(both.m.nodes[0]?.source.kind).toBe('MLFLOW');
    expect(Object.keys(both.w.nodes[0] ?? {})).toEqual(Object.keys(both.m.nodes[0] ?? {}));
    expect(errorCodes(await app.gql(`{ registeredModels(source: "wandb", filter: "name LIKE 'x%'") { nodes { name } } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await app.gql(`{ registries(source: "mlflow") { name } }`))).toEqual(['UNSUPPORTED_BY_SOURCE']);
  });
});
