import { badInput } from '../errors';
import type { RunModel } from '../models';
import { pathText, type FieldPath } from './ast';
import { valueAt } from './evaluate';
import { wandbKey } from './wandb';
import { parsePath } from './parse';

export interface RunOrder {
  path: FieldPath;
  desc: boolean;
}

/** The default for every source: newest first. */
export const DEFAULT_ORDER: RunOrder = { path: { root: 'field', field: 'createdAt' }, desc: true };

/** `-created_at`, `+summary.val_acc`, `config.lr` (ascending unless `-`). One key; ties break by run id. */
export function parseOrder(orderBy: readonly string[] | null | undefined): RunOrder {
  if (!orderBy?.length) return DEFAULT_ORDER;
  if (orderBy.length > 1) throw badInput('`orderBy` takes one key, e.g. ["-summary.val_acc"]; ties are broken by run id.', { argument: 'orderBy' });
  const raw = (orderBy[0] ?? '').trim();
  const desc = raw.startsWith('-');
  const key = raw.replace(/^[+-]/, '');
  if (!key) throw badInput('`orderBy` entries must name a key, e.g. "-created_at".', { argument: 'orderBy' });
  try {
    return { path: parsePath(key), desc };
  } catch {
    throw badInput(`Cannot order by \`${key}\`: use created_at, endedAt, name, displayName, summary.<key> or config.<key>.`, { argument: 'orderBy' });
  }
}

/** A sortable form of a run's value: numbers before strings; absent values are `null` and sort last. */
export type SortValue = number | string | null;

export function sortValue(run: RunModel, order: RunOrder): SortValue {
  const v = valueAt(run, order.path);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** Compares sort values in the order's direction; absent values last in both directions, as MLflow and W&B do. */
export function compareValues(a: SortValue, b: SortValue, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return desc ? -c : c;
}

/** The order as W&B's `order` argument. */
export const wandbOrder = (o: RunOrder): string => `${o.desc ? '-' : '+'}${wandbKey(o.path)}`;

/**
 * The order as MLflow `order_by`, with run id as the tie-break, when MLflow sorts exactly as the
 * gateway would: times, metrics and names. Params are strings, which MLflow sorts as text, so a
 * config order is sorted by the gateway (`null`).
 */
export function mlflowOrder(o: RunOrder): string[] | null {
  const dir = o.desc ? 'DESC' : 'ASC';
  const p = o.path;
  let key: string | null = null;
  if (p.root === 'summary' && p.keys.length === 1 && !p.keys[0]?.includes('`')) key = `metrics.\`${p.keys[0]}\``;
  else if (p.root === 'field' && p.field === 'createdAt') key = 'attributes.start_time';
  else if (p.root === 'field' && p.field === 'endedAt') key = 'attributes.end_time';
  else if (p.root === 'field' && p.field === 'displayName') key = 'attributes.run_name';
  else if (p.root === 'field' && p.field === 'name') key = 'attributes.run_id';
  return key ? [`${key} ${dir}`, 'attributes.run_id ASC'] : null;
}

export const orderText = (o: RunOrder) => `${o.desc ? '-' : '+'}${pathText(o.path)}`;
