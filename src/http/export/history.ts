import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import { decodeId, type GlobalId } from '../../ids';
import type { RunModel } from '../../models';
import { loadRun } from '../../modules/base/node';
import { historyKeys, historyScan, MAX_KEYS, MAX_PAGE_STEPS } from '../../modules/runs/history';
import { cellText } from './cells';
import { withHeader, type CsvExport } from './csv';
import { exportParams } from './params';

export interface HistoryQuery {
  run: GlobalId;
  /** In the caller's order; `null` for every key the run logged. */
  keys: string[] | null;
}

/** Checks the run id and keys before anything is read upstream. */
export function historyQuery(id: string, query: unknown): HistoryQuery {
  const p = exportParams(query, ['keys']);
  const run = decodeId(id, 'Run');
  const raw = p.list('keys');
  if (raw === null) return { run, keys: null };
  const keys = [...new Set(raw)];
  if (keys.length === 0 || keys.length > MAX_KEYS) throw badInput(`\`keys\` names 1 to ${MAX_KEYS} history keys.`, { argument: 'keys' });
  if (keys.some((k) => k.trim() === '')) throw badInput('History keys must not be empty.', { argument: 'keys' });
  return { run, keys };
}

/**
 * Every step, unsampled, in the windows of `historyScan` at its largest page: one window costs what
 * one `historyScan` page does (W&B: one request; MLflow: one request per key).
 */
async function* historyRows(ctx: GatewayContext, run: RunModel, keys: string[] | null, columns: string[]): AsyncGenerator<string[][]> {
  let after: string | null = null;
  do {
    const page = await historyScan(ctx, run, { keys, pageSize: MAX_PAGE_STEPS, after });
    yield page.rows.map((r) => [String(r.step), cellText(r.timestamp), ...columns.map((k) => cellText(r.values[k]))]);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
}

/** `_step`, `_timestamp`, then the keys; a key the run never logged is an empty column. */
export async function historyExport(ctx: GatewayContext, q: HistoryQuery): Promise<CsvExport> {
  const run = await loadRun(ctx, q.run);
  const columns = q.keys ?? historyKeys(run);
  return { filename: `${run.sourceId}-history.csv`, batches: withHeader(['_step', '_timestamp', ...columns], historyRows(ctx, run, q.keys, columns)) };
}

export function systemMetricsQuery(id: string, query: unknown): GlobalId {
  exportParams(query, []);
  return decodeId(id, 'Run');
}

/** `_step` (MLflow only), `_timestamp`, then every system metric the source recorded. */
export async function systemMetricsExport(ctx: GatewayContext, id: GlobalId): Promise<CsvExport> {
  const run = await loadRun(ctx, id);
  const history = await ctx.sources.get(run.source).systemMetricsHistory(run);
  const { keys, stepped } = history;
  async function* rows(): AsyncGenerator<string[][]> {
    for await (const batch of history.batches) {
      yield batch.map((r) => [...(stepped ? [cellText(r.step)] : []), cellText(r.timestamp), ...keys.map((k) => cellText(r.values[k]))]);
    }
  }
  return { filename: `${run.sourceId}-system-metrics.csv`, batches: withHeader([...(stepped ? ['_step'] : []), '_timestamp', ...keys], rows()) };
}
