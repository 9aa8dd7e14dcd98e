import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode } from 'graphql';
import { badInput } from '../errors';
import { analyzeOperation } from './analyze';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  /** Upstream requests one operation may cause (see costs.ts). */
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30, maxCost: 2000 };

/**
 * Refuses operations over the limits after they are parsed and validated and before any resolver
 * runs, so an over-limit query costs no upstream call. The message names the limit and the values.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
          const shape = analyzeOperation(schema, operation, fragments, request.variables ?? {});
          if (shape.depth > limits.maxDepth) {
            throw badInput(`The query is ${shape.depth} levels deep; the limit is ${limits.maxDepth}.`, { limit: 'depth', value: shape.depth, max: limits.maxDepth });
          }
          if (shape.aliases > limits.maxAliases) {
            throw badInput(`The query uses ${shape.aliases} aliases; the limit is ${limits.maxAliases}.`, { limit: 'aliases', value: shape.aliases, max: limits.maxAliases });
          }
          if (shape.cost > limits.maxCost) {
            throw badInput(
              `The query could cause up to ${shape.cost} upstream requests; the limit is ${limits.maxCost}. Ask for smaller pages (\`first\`) or fewer per-run fields such as historyScan or files.`,
              { limit: 'cost', value: shape.cost, max: limits.maxCost },
            );
          }
        },
      };
    },
  };
}
