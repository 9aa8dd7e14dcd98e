import type { GatewayContext } from '../../context';
import { badInput, notFound } from '../../errors';
import type { RunConnectionModel } from '../../models';
import { decodeCursor, fingerprint, toConnection, validateFirst } from '../../pagination';

export interface RunListArgs {
  first?: number | null;
  after?: string | null;
  filter?: string | null;
  orderBy?: string[] | null;
}

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * One page of a project's runs in a single upstream request. Found runs are primed into `runById`
 * so later lookups in the same request are free; counting happens only if `totalCount` is asked.
 */
export async function listRuns(ctx: GatewayContext, sourceName: string, projectId: string, args: RunListArgs): Promise<RunConnectionModel> {
  const source = ctx.sources.get(sourceName);
  if (!PROJECT_ID.test(projectId)) throw notFound('The project does not exist.', { source: sourceName });
  const first = validateFirst(args.first);
  const filter = args.filter?.trim() || null;
  const orderBy = args.orderBy?.length ? args.orderBy : null;
  if (orderBy?.some((o) => o.trim() === '')) throw badInput('`orderBy` entries must not be empty.', { argument: 'orderBy' });
  const fp = fingerprint('runs', sourceName, projectId, filter, orderBy);
  const start = args.after ? decodeCursor(args.after, fp) : { source: sourceName, offset: 0 };
  const page = await source.searchRuns({ projectId, filter, orderBy, offset: start.offset, limit: first });
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
      if (!page.hasMore && (page.items.length > 0 || start.offset === 0)) return Promise.resolve(start.offset + page.items.length);
      counted ??= source.countRuns({ projectId, filter, orderBy });
      return counted;
    },
  };
}
