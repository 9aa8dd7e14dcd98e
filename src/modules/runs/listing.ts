import type { GatewayContext } from '../../context';
import { badInput, notFound } from '../../errors';
import type { FilterNode } from '../../filters/ast';
import { compareValues, orderText, sortValue, type RunOrder } from '../../filters/order';
import type { RunConnectionModel, RunModel } from '../../models';
import { fingerprint, validateFirst } from '../../pagination';
import type { RunStreamPage, StreamState } from '../../sources/source';

/** One project of one source, read as a stream of runs in the listing's order. */
export interface RunStream {
  source: string;
  projectId: string;
}

/** Per stream: not started (`null`), a resume state, or `'x'` when read to its end. */
type Positions = Array<StreamState | null | 'x'>;

export const MAX_STREAMS = 20;

function encode(fp: string, positions: Positions): string {
  return Buffer.from(JSON.stringify({ v: 2, f: fp, p: positions }), 'utf8').toString('base64url');
}

function decode(cursor: string, fp: string, streams: number): Positions {
  let parsed: { v?: unknown; f?: unknown; p?: unknown } = {};
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    // Reported below.
  }
  const valid = (s: unknown) =>
    s === null || s === 'x' || (typeof s === 'object' && ((typeof (s as { t?: unknown }).t === 'string') || (Array.isArray((s as { k?: unknown }).k) && (s as { k: unknown[] }).k.length === 2)));
  if (parsed.v !== 2 || !Array.isArray(parsed.p) || parsed.p.length !== streams || !parsed.p.every(valid)) {
    throw badInput('Malformed cursor: pass an endCursor or edge cursor exactly as the gateway returned it.', { argument: 'after' });
  }
  if (parsed.f !== fp) throw badInput('The cursor belongs to a different listing (other arguments or parent); start again without `after`.', { argument: 'after' });
  return parsed.p as Positions;
}

/**
 * Runs of several projects and sources as one connection, merged in the requested order. Each
 * stream reads at most `first` runs after its own position, so a page costs at most one upstream
 * read per stream; cursors hold every stream's position, never an upstream offset.
 */
export async function listRunStreams(
  ctx: GatewayContext,
  streams: RunStream[],
  args: { first?: number | null; after?: string | null },
  filter: FilterNode | null,
  order: RunOrder,
): Promise<RunConnectionModel> {
  if (streams.length === 0 || streams.length > MAX_STREAMS) throw badInput(`A runs listing spans 1 to ${MAX_STREAMS} projects.`, { argument: 'projectIds' });
  const first = validateFirst(args.first);
  const fp = fingerprint('runs', streams, filter, orderText(order));
  const positions: Positions = args.after ? decode(args.after, fp, streams.length) : streams.map(() => null);
  const pages = await Promise.all(
    streams.map((s, i): Promise<RunStreamPage | null> => {
      const at = positions[i];
      if (at === 'x' || first === 0) return Promise.resolve(null);
      return ctx.sources.get(s.source).streamRuns({ projectId: s.projectId, filter, order, limit: first, resume: at ?? null });
    }),
  );
  await Promise.all(
    streams.map(async (s, i) => {
      // An unknown project and an empty one both read as no runs; only an empty first page costs the check.
      if (positions[i] || pages[i]?.items.length !== 0) return;
      if (!(await ctx.loaders.projectById.load({ source: s.source, projectId: s.projectId }))) throw notFound('The project does not exist.', { source: s.source });
    }),
  );
  for (const page of pages) for (const run of page?.items ?? []) ctx.loaders.runById.prime({ source: run.source, projectId: run.projectId, runId: run.sourceId }, run);

  const heads = pages.map(() => 0);
  const current: Positions = [...positions];
  const edges: Array<{ cursor: string; node: RunModel }> = [];
  while (edges.length < first) {
    let best = -1;
    for (let i = 0; i < pages.length; i++) {
      const run = pages[i]?.items[heads[i] as number];
      if (!run) continue;
      const top = best < 0 ? undefined : pages[best]?.items[heads[best] as number];
      if (!top || compareValues(sortValue(run, order), sortValue(top, order), order.desc) < 0) best = i;
    }
    if (best < 0) break;
    const page = pages[best] as RunStreamPage;
    const h = heads[best] as number;
    heads[best] = h + 1;
    current[best] = h + 1 === page.items.length && !page.hasMore ? 'x' : (page.states[h] as StreamState);
    edges.push({ node: page.items[h] as RunModel, cursor: encode(fp, current) });
  }
  const hasNextPage = pages.some((p, i) => p && ((heads[i] as number) < p.items.length || p.hasMore));
  let counted: Promise<number> | null = null;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    count: () =>
      (counted ??= Promise.all(
        streams.map((s, i) => {
          const total = pages[i]?.total;
          return total !== undefined ? total : ctx.sources.get(s.source).countRuns({ projectId: s.projectId, filter });
        }),
      ).then((totals) => totals.reduce((a, b) => a + b, 0))),
  };
}
