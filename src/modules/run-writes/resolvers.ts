import type { GatewayContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { decodeId } from '../../ids';
import type { RunModel } from '../../models';
import type { RunChange } from '../../sources/run-change';
import { loadRun } from '../base/node';
import { configChange, metadataChange, summaryChange } from './validate';

/** Validated first (by the caller), applied by the run's source, then the run read back fresh. */
async function write(ctx: GatewayContext, runId: string, change: () => RunChange): Promise<{ run: RunModel }> {
  const id = decodeId(runId, 'Run');
  const validated = change();
  const source = ctx.sources.get(id.source);
  const slash = id.native.lastIndexOf('/');
  await source.updateRun({ projectId: slash > 0 ? id.native.slice(0, slash) : null, runId: id.native.slice(slash + 1) }, validated);
  ctx.loaders.runById.clearAll();
  return { run: await loadRun(ctx, id) };
}

export const runWriteResolvers: Resolvers = {
  Mutation: {
    updateRunSummary: (_, args, ctx) => write(ctx, args.runId, () => summaryChange(args)),
    updateRunConfig: (_, args, ctx) => write(ctx, args.runId, () => configChange(args)),
    updateRun: (_, args, ctx) => write(ctx, args.runId, () => metadataChange(args.input)),
  },
};
