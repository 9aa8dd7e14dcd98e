import type { Resolvers } from '../../generated/graphql';
import { decodeId, encodeId, sweepNativeId } from '../../ids';
import { loadProject, loadSweep } from '../base/node';
import { bestRun, listSweeps, loadSweepByPath, sweepRuns } from './service';

export const sweepResolvers: Resolvers = {
  Query: {
    sweep: (_, { id }, ctx) => loadSweep(ctx, decodeId(id, 'Sweep')),
    sweepByPath: (_, { path, source }, ctx) => loadSweepByPath(ctx, path, source),
  },
  Project: {
    sweeps: (p, args, ctx) => listSweeps(ctx, p.source, p.sourceId, args),
  },
  Run: {
    sweep: (run, _, ctx) =>
      run.sweepName && ctx.sources.get(run.source).supports.sweeps
        ? ctx.loaders.sweepByKey.load({ source: run.source, projectId: run.projectId, sweepId: run.sweepName })
        : null,
  },
  Sweep: {
    __resolveReference: (ref, ctx) => loadSweep(ctx, decodeId(String((ref as { id?: unknown }).id), 'Sweep')),
    id: (s) => encodeId('Sweep', s.source, sweepNativeId(s.projectId, s.sourceId)),
    source: (s, _, ctx) => ctx.sources.get(s.source).info,
    project: (s, _, ctx) => loadProject(ctx, { type: 'Project', source: s.source, native: s.projectId }),
    runs: (s, args, ctx) => sweepRuns(ctx, s, args),
    bestRun: (s, _, ctx) => bestRun(ctx, s),
  },
};
