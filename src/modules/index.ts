import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import type { Resolvers } from '../generated/graphql';
import { baseResolvers } from './base/resolvers';
import { importResolvers } from './imports/resolvers';
import { projectResolvers } from './projects/resolvers';
import { registryResolvers } from './registry/resolvers';
import { reportResolvers } from './reports/resolvers';
import { runResolvers } from './runs/resolvers';
import { runWriteResolvers } from './run-writes/resolvers';
import { runFileResolvers } from './run-files/resolvers';
import { sweepResolvers } from './sweeps/resolvers';

export interface SchemaModule {
  typeDefs: DocumentNode;
  resolvers: Resolvers;
}

/** schema/ is found upwards from here, so the same code runs from src/ (tests) and dist/src/ (built). */
function findSchemaDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'schema', 'base.graphql'))) return join(dir, 'schema');
    if (dirname(dir) === dir) throw new Error('schema/base.graphql not found above ' + from);
  }
}

export const SCHEMA_DIR = findSchemaDir(__dirname);

const sdl = (file: string): DocumentNode => parse(readFileSync(join(SCHEMA_DIR, file), 'utf8'));

/** Each domain's SDL file with the resolvers that serve it. */
export function schemaModules(): SchemaModule[] {
  return [
    { typeDefs: sdl('base.graphql'), resolvers: baseResolvers },
    { typeDefs: sdl('projects.graphql'), resolvers: projectResolvers },
    { typeDefs: sdl('runs.graphql'), resolvers: runResolvers },
    { typeDefs: sdl('run-writes.graphql'), resolvers: runWriteResolvers },
    { typeDefs: sdl('run-files.graphql'), resolvers: runFileResolvers },
    { typeDefs: sdl('sweeps.graphql'), resolvers: sweepResolvers },
    { typeDefs: sdl('registry.graphql'), resolvers: registryResolvers },
    { typeDefs: sdl('reports.graphql'), resolvers: reportResolvers },
    { typeDefs: sdl('imports.graphql'), resolvers: importResolvers },
  ];
}
