import type { Resolvers } from '../../generated/graphql';
import { decodeId, encodeId } from '../../ids';
import { concatSources, fingerprint, validateFirst } from '../../pagination';
import { loadProject } from '../base/node';
import { listRuns } from '../runs/service';

export const projectResolvers: Resolvers = {
  Query: {
    projects: async (_, args, ctx) => {
      const sources = ctx.sources.select(args.source);
      const first = validateFirst(args.first);
      const names = sources.map((s) => s.info.name);
      const conn = await concatSources(names, args.after, first, fingerprint('projects', names), (name, offset, limit, token) =>
        ctx.sources.get(name).listProjects({ offset, limit, token }),
      );
      for (const p of conn.nodes) ctx.loaders.projectById.prime({ source: p.source, projectId: p.sourceId }, p);
      return conn;
    },
    project: (_, { id }, ctx) => loadProject(ctx, decodeId(id, 'Project')),
  },
  Project: {
    id: (p) => encodeId('Project', p.source, p.sourceId),
    source: (p, _, ctx) => ctx.sources.get(p.source).info,
    runs: (p, args, ctx) => listRuns(ctx, [{ source: p.source, projectId: p.sourceId }], args),
  },
};
