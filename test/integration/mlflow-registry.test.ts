import { encodeId } from '../../src/ids';
import type { Manifest } from '../helpers/manifest';
import { realMlflowApp, runGid } from '../helpers/real-mlflow';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';

interface VersionOut {
  id: string;
  version: string;
  status: string;
  aliases: string[];
  tags: Array<{ key: string; value: string }>;
  sourceUri: string;
  description: string | null;
  run: { id: string; name: string } | null;
  model: { name: string };
}

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key));

describe('model registry from a real MLflow server', () => {
  let app: TestApp;
  let manifest: Manifest;
  beforeAll(async () => {
    ({ app, manifest } = await realMlflowApp());
  });
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('returns registered models with tags, aliases and versions as the mlflow client reports them', async () => {
    const seeded = manifest.registeredModels.find((m) => m.name === 'mlgate-classifier');
    if (!seeded) throw new Error('mlgate-classifier not seeded');
    const data = expectNoErrors(
      await app.gql<{
        registeredModels: {
          nodes: Array<{
            name: string;
            description: string | null;
            tags: unknown;
            aliases: Array<{ alias: string; version: { version: string } }>;
            versions: { nodes: VersionOut[] };
          }>;
        };
      }>(
        `{ registeredModels(filter: "name = 'mlgate-classifier'") { nodes { name description tags { key value }
             aliases { alias version { version } }
             versions { nodes { id version status aliases tags { key value } sourceUri description run { id name } model { name } } } } } }`,
      ),
      app.calls,
    );
    const [model] = data.registeredModels.nodes;
    expect(model?.name).toBe(seeded.name);
    expect(model?.description).toBe(seeded.description);
    expect(model?.tags).toEqual(kv(seeded.tags));
    expect(model?.aliases).toEqual(Object.entries(seeded.aliases).map(([alias, version]) => ({ alias, version: { version } })));
    const byVersion = [...seeded.versions].sort((a, b) => Number(b.version) - Number(a.version));
    expect(model?.versions.nodes).toEqual(
      byVersion.map((v) => {
        const run = manifest.runs.find((r) => r.id === v.runId);
        return {
          id: encodeId('ModelVersion', 'mlflow', `${seeded.name}/${v.version}`),
          version: v.version,
          status: v.status === 'READY' ? 'READY' : v.status,
          aliases: [...v.aliases].sort(),
          tags: kv(v.tags),
          sourceUri: v.source,
          description: v.description,
          run: run ? { id: runGid(run), name: run.name } : null,
          model: { name: seeded.name },
        };
      }),
    );
  });

  it('resolves a model version by node id and its alias target without extra lookups of listed versions', async () => {
    const id = encodeId('ModelVersion', 'mlflow', 'mlgate-classifier/2');
    const data = expectNoErrors(await app.gql<{ node: { version: string; aliases: string[] } }>(`query($id: ID!) { node(id: $id) { ... on ModelVersion { version aliases } } }`, { id }));
    expect(data.node).toEqual({ version: '2', aliases: ['champion'] });
    expect(app.calls.byOp()).toEqual({ 'mlflow.modelVersions.get': 1 });
  });

  it('answers an unknown model version with null and NOT_FOUND', async () => {
    const res = await app.gql(`query($id: ID!) { modelVersion(id: $id) { version } }`, { id: encodeId('ModelVersion', 'mlflow', 'mlgate-classifier/99') });
    expect(res.data).toEqual({ modelVersion: null });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });
});
