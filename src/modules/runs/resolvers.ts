import type { Resolvers } from '../../generated/graphql';
import { decodeId, encodeId, runNativeId } from '../../ids';
import { loadProject, loadRun } from '../base/node';
import { historyKeys, historyScan, sampledHistory } from './history';
import { runFiles } from './files';
import { listRuns, loadRunByPath, streamsOf } from './service';

export const runResolvers: Resolvers = {
  Query: {
    run: (_, { id }, ctx) => loadRun(ctx, decodeId(id, 'Run')),
    runByPath: (_, { path, source }, ctx) => loadRunByPath(ctx, path, source),
    runs: (_, { projectId, projectIds, ...args }, ctx) => listRuns(ctx, streamsOf(projectId, projectIds), args),
  },
  RunConnection: {
    totalCount: (conn) => conn.count(),
  },
  Run: {
    __resolveReference: (ref, ctx) => loadRun(ctx, decodeId(String((ref as { id?: unknown }).id), 'Run')),
    id: (run) => encodeId('Run', run.source, runNativeId(run.projectId, run.sourceId)),
    source: (run, _, ctx) => ctx.sources.get(run.source).info,
    project: (run, _, ctx) => loadProject(ctx, { type: 'Project', source: run.source, native: run.projectId }),
    historyKeys: (run) => historyKeys(run),
    history: (run, args, ctx) => sampledHistory(ctx, run, args),
    historyScan: (run, args, ctx) => historyScan(ctx, run, args),
    files: (run, args, ctx) => runFiles(ctx, run, args),
  },
};

