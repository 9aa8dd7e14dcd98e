import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { GraphQLSchema } from 'graphql';
import { schemaModules } from './modules';

/** The executable schema, built as an Apollo Federation v2 subgraph so a router can compose it. */
export function buildSchema(): GraphQLSchema {
  return buildSubgraphSchema(
    schemaModules().map((m) => ({ typeDefs: m.typeDefs, resolvers: m.resolvers as GraphQLResolverMap<unknown> })),
  );
}
