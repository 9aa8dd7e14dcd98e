import type { FieldPath, FilterNode } from './ast';

/** What MLflow can filter on exactly, and what the gateway must still check. */
export interface MlflowFilter {
  /** MLflow search grammar, AND-joined comparisons; `null` when nothing could be pushed down. */
  pushdown: string | null;
  /** The part MLflow cannot express; `null` when the pushdown is the whole filter. */
  residual: FilterNode | null;
}

const MLFLOW_STATUS: Record<string, string> = { PENDING: 'SCHEDULED', RUNNING: 'RUNNING', FINISHED: 'FINISHED', FAILED: 'FAILED', KILLED: 'KILLED' };
const SQL_OP: Record<string, string> = { $eq: '=', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** Keys go in backticks; a key holding a backtick cannot be quoted, so it stays in the gateway. */
const ident = (prefix: string, key: string): string | null => (key.includes('`') ? null : `${prefix}.\`${key}\``);
/** MLflow string literals have no escape for quotes that sqlparse reads reliably: such values stay in the gateway. */
const literal = (v: unknown): string | null => (typeof v === 'string' && !/['"\\]/.test(v) ? `'${v}'` : null);

function time(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return null;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) || !v.includes('T') ? v : `${v}Z`);
  return Number.isNaN(t) ? null : t;
}

/**
 * One comparison in MLflow's grammar when MLflow answers it exactly as the gateway's reference
 * semantics do. Metrics and times compare as numbers; params are strings, so only string equality
 * is exact; `!=` and absent values differ (MLflow drops runs without the key), so they stay here.
 */
function clause(path: FieldPath, op: string, v: unknown): string | null {
  if (path.root === 'summary') {
    if (path.keys.length !== 1 || !SQL_OP[op] || typeof v !== 'number' || !Number.isFinite(v)) return null;
    const id = ident('metrics', path.keys[0] as string);
    return id && `${id} ${SQL_OP[op]} ${v}`;
  }
  if (path.root === 'config') {
    if (path.keys.length !== 1 || op !== '$eq') return null;
    const id = ident('params', path.keys[0] as string);
    const lit = literal(v);
    return id && lit && `${id} = ${lit}`;
  }
  switch (path.field) {
    case 'name': {
      if (op === '$eq') return literal(v) && `attributes.run_id = ${literal(v)}`;
      if (op !== '$in' || !Array.isArray(v) || v.length === 0) return null;
      const items = v.map(literal);
      return items.every(Boolean) ? `attributes.run_id IN (${items.join(', ')})` : null;
    }
    case 'displayName':
      return op === '$eq' && literal(v) ? `attributes.run_name = ${literal(v)}` : null;
    case 'state':
      return op === '$eq' && typeof v === 'string' && MLFLOW_STATUS[v] ? `attributes.status = '${MLFLOW_STATUS[v]}'` : null;
    case 'createdAt':
    case 'endedAt': {
      const t = time(v);
      if (!SQL_OP[op] || op === '$eq' || t === null) return null;
      return `attributes.${path.field === 'createdAt' ? 'start_time' : 'end_time'} ${SQL_OP[op]} ${Math.round(t)}`;
    }
    default:
      return null;
  }
}

/** Splits a filter into MLflow's AND-only part and the rest, conjunct by conjunct. */
export function compileMlflow(node: FilterNode | null): MlflowFilter {
  if (!node) return { pushdown: null, residual: null };
  const conjuncts: FilterNode[] = [];
  const flatten = (n: FilterNode) => (n.kind === 'and' ? n.children.forEach(flatten) : conjuncts.push(n));
  flatten(node);
  const pushed: string[] = [];
  const rest: FilterNode[] = [];
  for (const c of conjuncts) {
    const sql = c.kind === 'cmp' ? clause(c.path, c.op, c.value) : null;
    if (sql) pushed.push(sql);
    else rest.push(c);
  }
  return {
    pushdown: pushed.length ? pushed.join(' and ') : null,
    residual: rest.length === 0 ? null : rest.length === 1 ? (rest[0] as FilterNode) : { kind: 'and', children: rest },
  };
}
