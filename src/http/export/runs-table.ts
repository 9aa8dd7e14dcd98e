import type { GatewayContext } from '../../context';
import { badInput, notFound } from '../../errors';
import type { FilterNode } from '../../filters/ast';
import { valueAt } from '../../filters/evaluate';
import { parseOrder, type RunOrder } from '../../filters/order';
import { filterArgument } from '../../filters/parse';
import { encodeId, runNativeId } from '../../ids';
import type { RunModel, TagModel } from '../../models';
import { listRunStreams, MAX_STREAMS, type RunStream } from '../../modules/runs/listing';
import { streamsOf } from '../../modules/runs/service';
import { MAX_FIRST } from '../../pagination';
import { cellText, flatten } from './cells';
import { withHeader, type CsvExport } from './csv';
import { exportParams } from './params';

const RUN_COLUMNS = ['id', 'source', 'project', 'name', 'displayName', 'state', 'createdAt', 'endedAt', 'user', 'tags'];
/** Bounds the header and each row's lookup table; beyond it the caller names the columns. */
const MAX_COLUMNS = 10_000;

export interface RunsTableQuery {
  streams: RunStream[];
  filter: FilterNode | null;
  order: RunOrder;
  /** The `config.*` and `summary.*` columns the caller named; `null` to discover them. */
  columns: string[] | null;
}

/** Checks every argument as the `runs` query does, before anything is read upstream. */
export function runsTableQuery(query: unknown): RunsTableQuery {
  const p = exportParams(query, ['projectId', 'projectIds', 'filter', 'orderBy', 'columns']);
  const ids = [...(p.list('projectId') ?? []), ...(p.list('projectIds') ?? [])].flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const streams = streamsOf(null, ids);
  if (streams.length > MAX_STREAMS) throw badInput(`An export spans 1 to ${MAX_STREAMS} projects.`, { argument: 'projectId' });
  const orderBy = p.one('orderBy');
  return { streams, filter: filterArgument(p.one('filter')), order: parseOrder(orderBy ? [orderBy] : null), columns: columnsArgument(p.list('columns')) };
}

function columnsArgument(raw: string[] | null): string[] | null {
  if (raw === null) return null;
  // Repeated, never comma-split: config and summary keys may hold commas (project ids cannot).
  const columns = [...new Set(raw.map((c) => c.trim()).filter(Boolean))];
  const bad = columns.find((c) => !/^(config|summary)\.[^.]/.test(c) || c.endsWith('.') || c.includes('..'));
  if (bad !== undefined) throw badInput(`Column \`${bad}\` is not a config or summary key: name them as \`config.lr\` or \`summary.val_acc\`.`, { argument: 'columns' });
  if (columns.length === 0 || columns.length > MAX_COLUMNS) throw badInput(`\`columns\` names 1 to ${MAX_COLUMNS} columns.`, { argument: 'columns' });
  return columns;
}

/**
 * Every matching run, one listing page at a time: the merge, order and cursors of the `runs` query.
 * The per-request run memo is emptied after each page, or it would end up holding the whole export.
 */
async function* runPages(ctx: GatewayContext, q: RunsTableQuery, signal: AbortSignal): AsyncGenerator<RunModel[]> {
  let after: string | null = null;
  do {
    signal.throwIfAborted();
    const page = await listRunStreams(ctx, q.streams, { first: MAX_FIRST, after }, q.filter, q.order);
    ctx.loaders.runById.clearAll();
    if (page.nodes.length) yield page.nodes;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
}

/**
 * The first pass: key names, and the runs themselves while there are at most `keep` of them. A
 * table that fits is written from those (one upstream pass); a larger one is read a second time
 * for its rows, so memory stays bounded by `keep` runs whatever the project's size.
 */
async function discoverColumns(ctx: GatewayContext, q: RunsTableQuery, keep: number, signal: AbortSignal): Promise<{ columns: string[]; kept: RunModel[][] | null }> {
  const config = new Set<string>();
  const summary = new Set<string>();
  let kept: RunModel[][] | null = [];
  let keptRuns = 0;
  for await (const runs of runPages(ctx, q, signal)) {
    for (const run of runs) {
      flatten(run.config, (k) => config.add(k));
      flatten(run.summary, (k) => summary.add(k));
    }
    if (config.size + summary.size > MAX_COLUMNS) {
      throw badInput(`The runs have more than ${MAX_COLUMNS} config and summary keys; name the columns wanted with \`columns\`.`, { argument: 'columns' });
    }
    keptRuns += runs.length;
    kept = kept && keptRuns <= keep ? [...kept, runs] : null;
  }
  return { columns: [...[...config].sort().map((k) => `config.${k}`), ...[...summary].sort().map((k) => `summary.${k}`)], kept };
}

const tagsText = (tags: TagModel[]) => tags.map((t) => (t.value === null ? t.key : `${t.key}=${t.value}`)).join(',');

function runRow(run: RunModel, columns: string[], explicit: boolean, projectNames: Map<string, string>): string[] {
  const values = new Map<string, unknown>();
  flatten(run.config, (k, v) => values.set(`config.${k}`, v));
  flatten(run.summary, (k, v) => values.set(`summary.${k}`, v));
  // A named column may be a whole subtree (`config.model`), which flattening split into leaves.
  const named = (c: string) => valueAt(run, { root: c.startsWith('config.') ? 'config' : 'summary', keys: c.slice(c.indexOf('.') + 1).split('.') });
  return [
    encodeId('Run', run.source, runNativeId(run.projectId, run.sourceId)),
    run.source,
    projectNames.get(`${run.source}|${run.projectId}`) ?? run.projectId,
    run.sourceId,
    run.name,
    run.state,
    cellText(run.createdAt),
    cellText(run.endedAt),
    cellText(run.user),
    tagsText(run.tags),
    ...columns.map((c) => cellText(values.has(c) || !explicit ? values.get(c) : named(c))),
  ];
}

/**
 * The runs table of one or more projects. Without `columns` the header (every config and summary
 * key) must be known before the first row: up to `keep` runs are kept while it is learnt; beyond
 * that the listing is read again for the rows. Memory holds at most that many runs
 * and the key names, never a whole large result.
 */
export async function runsTable(ctx: GatewayContext, q: RunsTableQuery, keep: number, signal: AbortSignal): Promise<CsvExport> {
  for (const s of q.streams) ctx.sources.get(s.source);
  const projects = await Promise.all(
    q.streams.map(async (s) => {
      const project = await ctx.loaders.projectById.load({ source: s.source, projectId: s.projectId });
      if (!project) throw notFound('The project does not exist.', { source: s.source });
      return project;
    }),
  );
  const projectNames = new Map(projects.map((p) => [`${p.source}|${p.sourceId}`, p.name]));
  const discovered = q.columns ? null : await discoverColumns(ctx, q, keep, signal);
  const columns = q.columns ?? discovered?.columns ?? [];
  const explicit = q.columns !== null;
  async function* rows(): AsyncGenerator<string[][]> {
    const pages = discovered?.kept ?? runPages(ctx, q, signal);
    for await (const runs of pages) yield runs.map((run) => runRow(run, columns, explicit, projectNames));
  }
  return { filename: 'runs.csv', batches: withHeader([...RUN_COLUMNS, ...columns], rows()) };
}
