import { defaultFieldResolver, type GraphQLFieldResolver } from 'graphql';
import { artifactFields, artifactsRoot } from './artifacts';
import { registriesRoot, registryFields } from './registries';
import { reportsRoot, reportFields } from './reports';
import { runsRoot } from './runs-root';
import { sweepsRoot, sweepFields } from './sweeps';
import type { Ctx } from './views';

/**
 * Each domain module contributes root fields (graphql-js `rootValue` style: methods taking
 * (args, context)) and fields on other modules' types (`TypeFields`), so that a domain's SDL file
 * under sdl/ and its resolvers live together.
 */
export type TypeFields = Record<string, Record<string, (source: never, args: never, ctx: Ctx) => unknown>>;

export const rootValue = { ...runsRoot, ...sweepsRoot, ...registriesRoot, ...artifactsRoot, ...reportsRoot };

const typeFields: TypeFields[] = [sweepFields, registryFields, artifactFields, reportFields];

export const fieldResolver: GraphQLFieldResolver<unknown, Ctx> = (source, args, ctx, info) => {
  for (const fields of typeFields) {
    const f = fields[info.parentType.name]?.[info.fieldName];
    if (f) return (f as (s: unknown, a: unknown, c: Ctx) => unknown)(source, args, ctx);
  }
  return defaultFieldResolver(source, args, ctx, info);
};
