import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import type { FilterNode } from '../../filters/ast';
import { parseOrder } from '../../filters/order';
import { filterArgument } from '../../filters/parse';
import { decodeId } from '../../ids';
import type { RunConnectionModel, RunModel } from '../../models';
import { orNotFound } from '../base/node';
import { listRunStreams, type RunStream } from './listing';

export interface RunListArgs {
  first?: number | null;
  after?: string | null;
  filter?: unknown;
  orderBy?: readonly string[] | null;
}

/** Adds a condition the listing itself imposes (a sweep's runs) to the caller's filter. */
export function andFilter(own: FilterNode, filter: FilterNode | null): FilterNode {
  return filter ? { kind: 'and', children: [own, filter] } : own;
}

/** Runs of one or more projects: the caller's filter and order, the same for every source. */
export function listRuns(ctx: GatewayContext, streams: RunStream[], args: RunListArgs, extra: FilterNode | null = null): Promise<RunConnectionModel> {
  const filter = filterArgument(args.filter);
  const order = parseOrder(args.orderBy);
  for (const s of streams) ctx.sources.get(s.source);
  return listRunStreams(ctx, streams, args, extra ? andFilter(extra, filter) : filter, order);
}

/** `projectId` and/or `projectIds`: global project ids, of any sources. */
export function streamsOf(projectId: string | null | undefined, projectIds: readonly string[] | null | undefined): RunStream[] {
  const ids = [...(projectId ? [projectId] : []), ...(projectIds ?? [])];
  if (ids.length === 0) throw badInput('Name the projects to list runs of with `projectId` or `projectIds`.', { argument: 'projectIds' });
  const seen = new Set<string>();
  return ids
    .map((id) => decodeId(id, 'Project'))
    .filter((p) => !seen.has(`${p.source}|${p.native}`) && seen.add(`${p.source}|${p.native}`))
    .map((p) => ({ source: p.source, projectId: p.native }));
}

/** `entity/project/run_id`, the path W&B users copy from the web app and pass to `wandb.Api().run()`. */
export function loadRunByPath(ctx: GatewayContext, path: string, sourceName?: string | null): Promise<RunModel> {
  const parts = path.split('/');
  if (parts.length !== 3 || parts.some((p) => !/^[\w.-]{1,128}$/.test(p))) {
    throw badInput('A run path is `entity/project/run_id`.', { argument: 'path' });
  }
  const candidates = sourceName ? ctx.sources.select(sourceName) : ctx.sources.select().filter((s) => s.info.kind === 'WANDB');
  const source = candidates[0];
  if (!source || candidates.length > 1 || source.info.kind !== 'WANDB') {
    throw badInput('Name the W&B source the path belongs to with `source`.', { argument: 'source' });
  }
  const [entity, project, runId] = parts as [string, string, string];
  return ctx.loaders.runById
    .load({ source: source.info.name, projectId: `${entity}/${project}`, runId })
    .then(orNotFound('The run', source.info.name));
}
