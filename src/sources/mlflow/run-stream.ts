import type { FilterNode } from '../../filters/ast';
import { matches } from '../../filters/evaluate';
import { compileMlflow } from '../../filters/mlflow';
import { compareValues, mlflowOrder, sortValue, type RunOrder, type SortValue } from '../../filters/order';
import type { RunModel } from '../../models';
import type { RunStreamPage, RunStreamQuery, StreamState } from '../source';

/** Runs per request when the gateway reads a whole result set (MLflow allows up to 50000). */
export const SCAN_PAGE = 5000;

/** What the stream needs from the MLflow connector: one runs/search, already mapped to models. */
export type SearchFn = (args: { projectId: string; filter: string | null; orderBy: string[] | null; offset: number; maxResults: number }) => Promise<RunModel[]>;

/** The gateway's total order: the sort value in the order's direction, then run id. */
export function compareRuns(order: RunOrder): (a: RunModel, b: RunModel) => number {
  return (a, b) => compareValues(sortValue(a, order), sortValue(b, order), order.desc) || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0);
}

const keyOf = (run: RunModel, order: RunOrder): StreamState => ({ k: [sortValue(run, order), run.sourceId] });

/** Every run matching the filter, sorted by the gateway: MLflow cannot express the rest. */
export async function scanAll(search: SearchFn, projectId: string, filter: FilterNode | null, order: RunOrder | null): Promise<RunModel[]> {
  const { pushdown, residual } = compileMlflow(filter);
  const all: RunModel[] = [];
  for (let offset = 0; ; offset += SCAN_PAGE) {
    const runs = await search({ projectId, filter: pushdown, orderBy: null, offset, maxResults: SCAN_PAGE });
    for (const r of runs) if (!residual || matches(r, residual)) all.push(r);
    if (runs.length < SCAN_PAGE) break;
  }
  return order ? all.sort(compareRuns(order)) : all;
}

/** The first index after the resume position, by binary search over runs in the gateway's order. */
function indexAfter(runs: RunModel[], order: RunOrder, [value, id]: [SortValue, string]): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid] as RunModel;
    const c = compareValues(sortValue(r, order), value, order.desc) || (r.sourceId < id ? -1 : r.sourceId > id ? 1 : 0);
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Runs fetched per request when resuming by key, on top of the page: room for runs sharing the start time. */
const KEYSET_SLACK = 50;

/**
 * A later page in start-time order, by key: MLflow returns the runs from the last start time on
 * (every run has one), and the gateway skips those up to the last run it served. Offsets are used
 * only within this call, to read past many runs sharing one start time, so runs added between
 * pages neither repeat nor go missing.
 */
async function keysetPage(search: SearchFn, q: RunStreamQuery, pushdown: string | null, orderBy: string[], [at, lastId]: [number, string]): Promise<RunStreamPage> {
  const bound = `attributes.start_time ${q.order.desc ? '<=' : '>='} ${Math.trunc(at)}`;
  const filter = pushdown ? `${pushdown} AND ${bound}` : bound;
  const after = (r: RunModel) => {
    const v = sortValue(r, q.order);
    return v !== at || r.sourceId > lastId;
  };
  const items: RunModel[] = [];
  const want = q.limit + 1;
  for (let offset = 0; ; ) {
    const maxResults = want + KEYSET_SLACK;
    const runs = await search({ projectId: q.projectId, filter, orderBy, offset, maxResults });
    for (const r of runs) if (after(r)) items.push(r);
    offset += runs.length;
    if (items.length >= want || runs.length < maxResults) break;
  }
  const page = items.slice(0, q.limit);
  return { items: page, states: page.map((r) => keyOf(r, q.order)), hasMore: items.length > q.limit };
}

/**
 * A page of an experiment's runs. When MLflow can filter exactly and sort by a number (start time,
 * a metric) the first page is one search of `limit + 1` runs. Otherwise, and for later pages, the
 * gateway reads every match and resumes by position in its own order, never by MLflow's offsets,
 * which shift when runs are added.
 */
export async function streamPage(search: SearchFn, q: RunStreamQuery): Promise<RunStreamPage> {
  const { pushdown, residual } = compileMlflow(q.filter);
  const numeric = q.order.path.root === 'summary' || (q.order.path.root === 'field' && q.order.path.field === 'createdAt');
  const orderBy = numeric ? mlflowOrder(q.order) : null;
  if (!q.resume && !residual && orderBy) {
    const runs = await search({ projectId: q.projectId, filter: pushdown, orderBy, offset: 0, maxResults: q.limit + 1 });
    const items = runs.slice(0, q.limit);
    return { items, states: items.map((r) => keyOf(r, q.order)), hasMore: runs.length > q.limit, ...(runs.length <= q.limit ? { total: runs.length } : {}) };
  }
  const createdAt = q.order.path.root === 'field' && q.order.path.field === 'createdAt';
  if (q.resume && 'k' in q.resume && typeof q.resume.k[0] === 'number' && !residual && orderBy && createdAt) {
    return keysetPage(search, q, pushdown, orderBy, q.resume.k as [number, string]);
  }
  const all = await scanAll(search, q.projectId, q.filter, q.order);
  const resume = q.resume && 'k' in q.resume ? q.resume.k : null;
  const start = resume ? indexAfter(all, q.order, resume) : 0;
  const items = all.slice(start, start + q.limit);
  return { items, states: items.map((r) => keyOf(r, q.order)), hasMore: start + q.limit < all.length, total: all.length };
}
