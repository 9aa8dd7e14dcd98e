import type { StoredRun } from './store';

type Filter = Record<string, unknown>;

/** Top-level filter fields W&B documents, to the run's own properties. */
const FIELDS: Record<string, (r: StoredRun) => unknown> = {
  name: (r) => r.name,
  displayName: (r) => r.displayName,
  display_name: (r) => r.displayName,
  state: (r) => r.state,
  tags: (r) => r.tags,
  group: (r) => r.group,
  jobType: (r) => r.jobType,
  sweep: (r) => r.sweepName,
  createdAt: (r) => r.createdAt,
  created_at: (r) => r.createdAt,
  heartbeatAt: (r) => r.heartbeatAt,
  heartbeat_at: (r) => r.heartbeatAt,
  username: (r) => r.username,
  commit: (r) => r.commit,
};

export function dig(value: unknown, path: string[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/** `config.lr` and `config.lr.value` both reach the value; summary paths go into the summary dict. */
export function valueAt(run: StoredRun, path: string): unknown {
  const [head, ...rest] = path.split('.');
  if (head === 'config') {
    const [key, ...more] = rest;
    if (!key) return undefined;
    const wrapped = run.config[key] as { value?: unknown } | undefined;
    return more[0] === 'value' ? dig(wrapped, more) : dig(wrapped?.value, more);
  }
  if (head === 'summary_metrics' || head === 'summaryMetrics' || head === 'summary') return dig(run.summary, rest);
  const field = head ? FIELDS[head] : undefined;
  return field ? dig(field(run), rest) : undefined;
}

function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

const equal = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) ? a.some((x) => equal(x, b)) : JSON.stringify(a) === JSON.stringify(b);

function matchCondition(value: unknown, cond: unknown): boolean {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond) || !Object.keys(cond).some((k) => k.startsWith('$'))) {
    return equal(value, cond);
  }
  return Object.entries(cond as Filter).every(([op, arg]) => {
    const cmp = compare(value, arg);
    switch (op) {
      case '$eq':
        return equal(value, arg);
      case '$ne':
        return !equal(value, arg);
      case '$gt':
        return cmp !== null && cmp > 0;
      case '$gte':
        return cmp !== null && cmp >= 0;
      case '$lt':
        return cmp !== null && cmp < 0;
      case '$lte':
        return cmp !== null && cmp <= 0;
      case '$in':
        return Array.isArray(arg) && arg.some((a) => equal(value, a));
      case '$nin':
        return Array.isArray(arg) && !arg.some((a) => equal(value, a));
      case '$exists':
        return (value !== undefined && value !== null) === Boolean(arg);
      case '$regex': {
        const re = new RegExp(String(arg));
        return Array.isArray(value) ? value.some((v) => re.test(String(v))) : typeof value === 'string' && re.test(value);
      }
      case '$not':
        return !matchCondition(value, arg);
      default:
        throw new Error(`unsupported filter operator ${op}`);
    }
  });
}

/** MongoDB-style filters over any stored object, reading fields through `at`. */
export function matchesWith<T>(obj: T, filter: Filter, at: (obj: T, path: string) => unknown): boolean {
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return (cond as Filter[]).every((f) => matchesWith(obj, f, at));
    if (key === '$or') return (cond as Filter[]).some((f) => matchesWith(obj, f, at));
    if (key === '$nor') return !(cond as Filter[]).some((f) => matchesWith(obj, f, at));
    if (key.startsWith('$')) throw new Error(`unsupported filter operator ${key}`);
    return matchCondition(at(obj, key), cond);
  });
}

/** MongoDB-style run filters as W&B documents them. */
export const matches = (run: StoredRun, filter: Filter): boolean => matchesWith(run, filter, valueAt);

/** `[+|-]<path>`; runs without the value sort last; ties keep creation order. */
export function sortRuns(runs: StoredRun[], order: string | null | undefined): StoredRun[] {
  const raw = order || '+created_at';
  const desc = raw.startsWith('-');
  const path = raw.replace(/^[+-]/, '');
  const keyed = runs.map((run, i) => ({ run, i, v: valueAt(run, path) }));
  keyed.sort((a, b) => {
    const aMissing = a.v === undefined || a.v === null;
    const bMissing = b.v === undefined || b.v === null;
    if (aMissing || bMissing) return aMissing === bMissing ? a.i - b.i : aMissing ? 1 : -1;
    const c = compare(a.v, b.v) ?? 0;
    return (desc ? -c : c) || a.i - b.i;
  });
  return keyed.map((k) => k.run);
}
