import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { buildSchema } from '../../src/schema';
import { realMlflowApp, runByName, runGid } from '../helpers/real-mlflow';
import { expectNoErrors } from '../helpers/test-app';

/** Another team's subgraph that adds a field to our Run entity. */
const STUB_SUBGRAPH = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Run @key(fields: "id") {
    id: ID!
    costUsd: Float
  }
  type Query { _stubReady: Boolean }
`);

describe('Apollo Federation', () => {
  it('composes with another subgraph that extends Run', () => {
    const result = composeServices([
      { name: 'mlgate', url: 'http://mlgate/graphql', typeDefs: parse(printSubgraphSchema(buildSchema())) },
      { name: 'billing', url: 'http://billing/graphql', typeDefs: STUB_SUBGRAPH },
    ]);
    expect(result.errors ?? []).toEqual([]);
    const sdl = result.supergraphSdl ?? '';
    expect(sdl).toMatch(/type Run[\s\S]*costUsd: Float[\s\S]*historyScan/);
    expect(sdl).toMatch(/type ModelVersion[\s\S]*@join__type\(graph: MLGATE, key: "id"\)/);
  });

  it('resolves Run entities by id for the router', async () => {
    const { app, manifest } = await realMlflowApp();
    const run = runByName(manifest, 'baseline');
    const data = expectNoErrors(
      await app.gql<{ _entities: unknown[] }>(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Run { name config } } }`, {
        r: [{ __typename: 'Run', id: runGid(run) }],
      }),
    );
    expect(data._entities).toEqual([{ name: 'baseline', config: run.params }]);
    await app.stop();
  });
});
