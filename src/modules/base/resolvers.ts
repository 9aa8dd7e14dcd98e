import type { Resolvers } from '../../generated/graphql';
import { decodeId } from '../../ids';
import { DateTimeScalar, JSONScalar } from './scalars';
import { loadNode } from './node';

export const baseResolvers: Resolvers = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  Query: {
    node: (_, { id }, ctx) => loadNode(ctx, decodeId(id)),
    sources: (_, __, ctx) => ctx.sources.list(),
  },
  Node: {
    __resolveType: (obj) => {
      if ('method' in obj) return 'Sweep';
      if ('blocks' in obj) return 'Report';
      if ('state' in obj) return 'Run';
      if ('modelName' in obj) return 'ModelVersion';
      if ('aliases' in obj) return 'RegisteredModel';
      return 'Project';
    },
  },
};
