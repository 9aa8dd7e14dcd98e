import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import type { HistoryRowModel, PageInfoModel, RunModel } from '../../models';
import { decodeCursor, encodeCursor, fingerprint } from '../../pagination';

const MAX_SAMPLES = 2500;
export const MAX_PAGE_STEPS = 1000;
export const MAX_KEYS = 100;

export function historyKeys(run: RunModel): string[] {
  return Object.keys(run.latestMetrics).sort();
}

function validKeys(run: RunModel, keys: string[] | null | undefined): string[] {
  if (keys == null) return historyKeys(run);
  if (keys.length > MAX_KEYS) throw badInput(`At most ${MAX_KEYS} history keys can be asked at once.`, { argument: 'keys' });
  if (keys.some((k) => k.trim() === '')) throw badInput('History keys must not be empty.', { argument: 'keys' });
  return [...new Set(keys)].sort();
}

function intArg(name: string, value: number | null | undefined, min: number, max: number): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(`\`${name}\` must be between ${min} and ${max}, got ${value}.`, { argument: name });
  return value;
}

export async function sampledHistory(ctx: GatewayContext, run: RunModel, args: { samples?: number | null; keys?: string[] | null }): Promise<HistoryRowModel[]> {
  const samples = intArg('samples', args.samples ?? 500, 1, MAX_SAMPLES) as number;
  // Keys the run never logged cost nothing upstream.
  const keys = validKeys(run, args.keys).filter((k) => k in run.latestMetrics);
  if (keys.length === 0) return [];
  return ctx.loaders.historySample.load({ run, keys, samples });
}

export interface HistoryScanArgs {
  keys?: string[] | null;
  pageSize?: number | null;
  minStep?: number | null;
  maxStep?: number | null;
  after?: string | null;
}

export interface HistoryPageResult {
  rows: HistoryRowModel[];
  fromStep: number;
  toStep: number;
  pageInfo: PageInfoModel;
}

/**
 * One window of `pageSize` steps. The last step defaults to the largest step among the keys' latest
 * points: MLflow's latest metric is the one with the largest step, so nothing lies beyond it.
 */
export async function historyScan(ctx: GatewayContext, run: RunModel, args: HistoryScanArgs): Promise<HistoryPageResult> {
  const pageSize = intArg('pageSize', args.pageSize ?? 500, 1, MAX_PAGE_STEPS) as number;
  const minStep = intArg('minStep', args.minStep, 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const keys = validKeys(run, args.keys).filter((k) => k in run.latestMetrics);
  const lastLogged = Math.max(-1, ...keys.map((k) => run.latestMetrics[k]?.step ?? -1));
  const maxStep = Math.min(intArg('maxStep', args.maxStep, 0, Number.MAX_SAFE_INTEGER) ?? lastLogged, lastLogged);
  const fp = fingerprint('historyScan', run.source, run.sourceId, keys, pageSize, minStep, maxStep);
  const fromStep = args.after ? decodeCursor(args.after, fp).offset : minStep;
  const toStep = Math.min(fromStep + pageSize - 1, maxStep);
  const rows = toStep >= fromStep ? await ctx.sources.get(run.source).historyWindow(run, { keys, fromStep, toStep }) : [];
  const hasNextPage = toStep < maxStep;
  const cursor = (step: number) => encodeCursor({ source: run.source, offset: step }, fp);
  return {
    rows,
    fromStep,
    toStep: Math.max(toStep, fromStep - 1),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: fromStep > minStep,
      startCursor: cursor(fromStep),
      endCursor: cursor(Math.max(toStep + 1, fromStep)),
    },
  };
}
