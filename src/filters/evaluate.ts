import type { RunModel } from '../models';
import type { FieldPath, FilterNode } from './ast';

function dig(value: unknown, keys: string[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** The value a path names on a run, in the gateway's source-neutral terms. */
export function valueAt(run: RunModel, path: FieldPath): unknown {
  if (path.root === 'config') return dig(run.config, path.keys);
  if (path.root === 'summary') return dig(run.summary, path.keys);
  switch (path.field) {
    case 'name':
      return run.sourceId;
    case 'displayName':
      return run.name;
    case 'state':
      return run.state;
    case 'tags':
      return run.tags.map((t) => t.key);
    case 'createdAt':
      return run.createdAt;
    case 'endedAt':
      return run.endedAt;
    case 'user':
      return run.user;
    case 'group':
      return run.group;
    case 'jobType':
      return run.jobType;
    case 'sweep':
      return run.sweepName;
  }
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Dates compare with ISO strings or epoch milliseconds; strings holding numbers (MLflow params) with numbers. */
function comparable(value: unknown, operand: unknown): [number, number] | [string, string] | null {
  if (value instanceof Date) {
    const t = typeof operand === 'number' ? operand : typeof operand === 'string' ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(operand) || !operand.includes('T') ? operand : `${operand}Z`) : NaN;
    return Number.isNaN(t) ? null : [value.getTime(), t];
  }
  if (typeof value === 'number' && typeof operand === 'number') return [value, operand];
  if (typeof value === 'string' && typeof operand === 'number') return NUMERIC.test(value.trim()) ? [Number(value), operand] : null;
  if (typeof value === 'string' && typeof operand === 'string') return [value, operand];
  return null;
}

function equalValues(a: unknown, b: unknown): boolean {
  if (a instanceof Date || typeof b === 'number') {
    const c = comparable(a, b);
    if (c) return c[0] === c[1];
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equalValues(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => equalValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** MongoDB semantics: an array matches when it equals the operand or any element does. */
const equals = (value: unknown, operand: unknown): boolean =>
  equalValues(value, operand) || (Array.isArray(value) && !Array.isArray(operand) && value.some((v) => equalValues(v, operand)));

const missing = (v: unknown) => v === undefined || v === null;

function order(value: unknown, operand: unknown, test: (c: number) => boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => {
    const c = comparable(v, operand);
    return c !== null && test(c[0] < c[1] ? -1 : c[0] > c[1] ? 1 : 0);
  });
}

const regexCache = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** The reference semantics of the filter language: what every source's answer must equal. */
export function matches(run: RunModel, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((c) => matches(run, c));
    case 'or':
      return node.children.some((c) => matches(run, c));
    case 'nor':
      return !node.children.some((c) => matches(run, c));
    case 'not':
      return !matches(run, node.child);
  }
  const value = valueAt(run, node.path);
  const arg = node.value;
  switch (node.op) {
    case '$eq':
      return arg === null ? missing(value) : !missing(value) && equals(value, arg);
    case '$ne':
      return arg === null ? !missing(value) : missing(value) || !equals(value, arg);
    case '$gt':
      return order(value, arg, (c) => c > 0);
    case '$gte':
      return order(value, arg, (c) => c >= 0);
    case '$lt':
      return order(value, arg, (c) => c < 0);
    case '$lte':
      return order(value, arg, (c) => c <= 0);
    case '$in':
      return (arg as unknown[]).some((a) => (a === null ? missing(value) : !missing(value) && equals(value, a)));
    case '$nin':
      return !(arg as unknown[]).some((a) => (a === null ? missing(value) : !missing(value) && equals(value, a)));
    case '$exists':
      return !missing(value) === arg;
    case '$regex': {
      const re = regex(arg as string);
      const values = Array.isArray(value) ? value : [value];
      return values.some((v) => typeof v === 'string' && re.test(v));
    }
  }
}
