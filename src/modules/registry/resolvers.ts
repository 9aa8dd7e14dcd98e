import type { Resolvers } from '../../generated/graphql';
import { decodeId, encodeId, modelVersionNativeId } from '../../ids';
import { concatSources, decodeCursor, fingerprint, toConnection, validateFirst } from '../../pagination';
import { loadModelVersion, loadRegisteredModel } from '../base/node';
import { setModelVersionAliases } from './aliases';

export const registryResolvers: Resolvers = {
  Mutation: {
    setModelVersionAliases: (_, args, ctx) => setModelVersionAliases(ctx, args),
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
  },
  RegisteredModel: {
    id: (m) => encodeId('RegisteredModel', m.source, m.name),
    source: (m, _, ctx) => ctx.sources.get(m.source).info,
    aliases: (m) => m.aliases.map((a) => ({ source: m.source, modelName: m.name, alias: a.alias, version: a.version })),
    versions: async (m, args, ctx) => {
      const first = validateFirst(args.first);
      const fp = fingerprint('versions', m.source, m.name);
      const start = args.after ? decodeCursor(args.after, fp) : { source: m.source, offset: 0 };
      const page = await ctx.sources.get(m.source).listModelVersions(m.name, { offset: start.offset, limit: first });
      for (const v of page.items) ctx.loaders.modelVersionByKey.prime({ source: v.source, model: v.modelName, version: v.version }, v);
      return toConnection(page, start, fp);
    },
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
