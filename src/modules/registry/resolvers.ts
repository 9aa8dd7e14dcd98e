import type { GatewayContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import type { ModelVersionModel } from '../../models';
import { jsonObjectFilter as wandbFilter } from '../../filters/json-object';
import { decodeId, encodeId, modelVersionNativeId } from '../../ids';
import { concatSources, decodeCursor, fingerprint, toConnection, validateFirst } from '../../pagination';
import { loadModelVersion, loadRegisteredModel } from '../base/node';
import { setModelVersionAliases } from './aliases';
import { createModelVersion } from './create-version';
import { linkArtifact } from './link';

function primeVersions(ctx: GatewayContext, versions: ModelVersionModel[]): void {
  for (const v of versions) ctx.loaders.modelVersionByKey.prime({ source: v.source, model: v.modelName, version: v.version }, v);
}

export const registryResolvers: Resolvers = {
  Mutation: {
    setModelVersionAliases: (_, args, ctx) => setModelVersionAliases(ctx, args),
    linkArtifact: (_, { input }, ctx) => linkArtifact(ctx, input),
    createModelVersion: (_, args, ctx) => createModelVersion(ctx, args),
  },
  Query: {
    registeredModels: async (_, args, ctx) => {
      const selected = ctx.sources.select(args.source);
      // An explicitly named source answers for itself (UNSUPPORTED_BY_SOURCE); "all" means all that can.
      const names = (args.source ? selected : selected.filter((s) => s.supports.registry)).map((s) => s.info.name);
      const filter = args.filter?.trim() || null;
      const first = validateFirst(args.first);
      const conn = await concatSources(names, args.after, first, fingerprint('registeredModels', names, filter), (name, offset, limit, token) =>
        ctx.sources.get(name).listRegisteredModels({ filter, offset, limit, token }),
      );
      for (const m of conn.nodes) ctx.loaders.registeredModelByName.prime({ source: m.source, name: m.name }, m);
      return conn;
    },
    registeredModel: (_, { id }, ctx) => loadRegisteredModel(ctx, decodeId(id, 'RegisteredModel')),
    modelVersion: (_, { id }, ctx) => loadModelVersion(ctx, decodeId(id, 'ModelVersion')),
    registries: (_, args, ctx) => ctx.sources.get(args.source).listRegistries(wandbFilter(args.filter, 'filter')),
    registryVersions: async (_, args, ctx) => {
      const first = validateFirst(args.first);
      const q = { registryFilter: wandbFilter(args.registryFilter, 'registryFilter'), collectionFilter: wandbFilter(args.collectionFilter, 'collectionFilter'), filter: wandbFilter(args.filter, 'filter') };
      const fp = fingerprint('registryVersions', args.source, q);
      const start = args.after ? decodeCursor(args.after, fp) : { source: args.source, offset: 0 };
      const page = await ctx.sources.get(args.source).searchModelVersions({ ...q, offset: start.offset, limit: first, token: start.token });
      primeVersions(ctx, page.items);
      return toConnection(page, start, fp);
    },
  },
  Registry: {
    source: (r, _, ctx) => ctx.sources.get(r.source).info,
    collections: async (r, args, ctx) => {
      const first = validateFirst(args.first);
      const filter = args.filter == null ? null : JSON.stringify(wandbFilter(args.filter, 'filter'));
      const fp = fingerprint('collections', r.source, r.name, filter);
      const start = args.after ? decodeCursor(args.after, fp) : { source: r.source, offset: 0 };
      const page = await ctx.sources.get(r.source).listRegisteredModels({ filter, registry: r.name, offset: start.offset, limit: first, token: start.token });
      for (const m of page.items) ctx.loaders.registeredModelByName.prime({ source: m.source, name: m.name }, m);
      return toConnection(page, start, fp);
    },
  },
  RegisteredModel: {
    id: (m) => encodeId('RegisteredModel', m.source, m.name),
    source: (m, _, ctx) => ctx.sources.get(m.source).info,
    aliases: async (m, _, ctx) => {
      // W&B lists a collection's aliases only with its versions: read them when asked.
      const aliases = m.aliases ?? (await ctx.sources.get(m.source).listModelVersions(m.name, { offset: 0, limit: 100 })).items.flatMap((v) => v.aliases.map((alias) => ({ alias, version: v.version })));
      return aliases.map((a) => ({ source: m.source, modelName: m.name, alias: a.alias, version: a.version }));
    },
    versions: async (m, args, ctx) => {
      const first = validateFirst(args.first);
      const filter = args.filter == null ? null : wandbFilter(args.filter, 'filter');
      const fp = fingerprint('versions', m.source, m.name, filter);
      const start = args.after ? decodeCursor(args.after, fp) : { source: m.source, offset: 0 };
      const page = await ctx.sources.get(m.source).listModelVersions(m.name, { offset: start.offset, limit: first, token: start.token }, filter);
      primeVersions(ctx, page.items);
      return toConnection(page, start, fp);
    },
    registry: (m) => m.registry ?? null,
    type: (m) => m.type ?? null,
  },
  ModelAlias: {
    version: (a, _, ctx) =>
      loadModelVersion(ctx, { type: 'ModelVersion', source: a.source, native: modelVersionNativeId(a.modelName, a.version) }),
  },
  ModelVersion: {
    __resolveReference: (ref, ctx) => loadModelVersion(ctx, decodeId(String((ref as { id?: unknown }).id), 'ModelVersion')),
    id: (v) => encodeId('ModelVersion', v.source, modelVersionNativeId(v.modelName, v.version)),
    source: (v, _, ctx) => ctx.sources.get(v.source).info,
    model: (v, _, ctx) => loadRegisteredModel(ctx, { type: 'RegisteredModel', source: v.source, native: v.modelName }),
    run: (v, _, ctx) => (v.run ? ctx.loaders.runById.load({ source: v.source, projectId: v.run.projectId, runId: v.run.sourceId }) : null),
  },
};
