import type { GatewayContext } from '../../context';
import { badInput, notFound } from '../../errors';
import type { RunConnectionModel, RunModel } from '../../models';
import { orNotFound } from '../base/node';
import { decodeCursor, fingerprint, toConnection, validateFirst } from '../../pagination';

export interface RunListArgs {
  first?: number | null;
  after?: string | null;
  filter?: string | null;
  orderBy?: string[] | null;
}

/**
 * One page of a project's runs in a single upstream request. Found runs are primed into `runById`
 * so later lookups in the same request are free; counting happens only if `totalCount` is asked.
 */
export async function listRuns(ctx: GatewayContext, sourceName: string, projectId: string, args: RunListArgs): Promise<RunConnectionModel> {
  const source = ctx.sources.get(sourceName);
  const first = validateFirst(args.first);
  const filter = args.filter?.trim() || null;
  const orderBy = args.orderBy?.length ? args.orderBy : null;
  if (orderBy?.some((o) => o.trim() === '')) throw badInput('`orderBy` entries must not be empty.', { argument: 'orderBy' });
  const fp = fingerprint('runs', sourceName, projectId, filter, orderBy);
  const start = args.after ? decodeCursor(args.after, fp) : { source: sourceName, offset: 0 };
  const page = await source.searchRuns({ projectId, filter, orderBy, offset: start.offset, limit: first, token: start.token });
  if (page.items.length === 0 && start.offset === 0) {
    // An unknown experiment and an empty one both search to nothing; only a miss costs the check.
    const project = await ctx.loaders.projectById.load({ source: sourceName, projectId });
    if (!project) throw notFound('The project does not exist.', { source: sourceName });
  }
  for (const run of page.items) ctx.loaders.runById.prime({ source: sourceName, projectId: run.projectId, runId: run.sourceId }, run);
  let counted: Promise<number> | null = null;
  return {
    ...toConnection(page, start, fp),
    count: () => {
      if (page.total !== undefined) return Promise.resolve(page.total);
      if (!page.hasMore && (page.items.length > 0 || start.offset === 0)) return Promise.resolve(start.offset + page.items.length);
      counted ??= source.countRuns({ projectId, filter, orderBy });
      return counted;
    },
  };
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
