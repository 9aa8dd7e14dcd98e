import { badInput } from '../errors';
import type { CompareOp, Field, FieldPath, FilterNode } from './ast';

/** Accepted spellings of top-level fields, W&B's and the gateway's own. */
const FIELDS: Record<string, Field> = {
  name: 'name',
  id: 'name',
  displayName: 'displayName',
  display_name: 'displayName',
  state: 'state',
  tags: 'tags',
  createdAt: 'createdAt',
  created_at: 'createdAt',
  endedAt: 'endedAt',
  heartbeatAt: 'endedAt',
  heartbeat_at: 'endedAt',
  user: 'user',
  username: 'user',
  group: 'group',
  jobType: 'jobType',
  job_type: 'jobType',
  sweep: 'sweep',
};
const ROOTS: Record<string, 'config' | 'summary'> = { config: 'config', summary: 'summary', summary_metrics: 'summary', summaryMetrics: 'summary' };
const COMPARE: ReadonlySet<string> = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', '$not']);

const LIMITS = { depth: 10, nodes: 500, inValues: 1000, regexLength: 300 };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function fail(message: string, at: { path?: string; operator?: string }): never {
  throw badInput(`Invalid filter: ${message}`, { argument: 'filter', ...at });
}

export function parsePath(text: string): FieldPath {
  const [head = '', ...keys] = text.split('.');
  const root = ROOTS[head];
  if (root) {
    if (!keys.length || keys.some((k) => k === '')) fail(`\`${text}\` must name a key, e.g. \`${head}.lr\`.`, { path: text });
    return { root, keys };
  }
  const field = FIELDS[head];
  if (!field || keys.length) {
    fail(`unknown field \`${text}\`; use config.<key>, summary.<key>, or one of ${Object.keys(FIELDS).join(', ')}.`, { path: text });
  }
  return { root: 'field', field };
}

function operand(op: CompareOp, value: unknown, path: string): unknown {
  const at = { path, operator: op };
  switch (op) {
    case '$in':
    case '$nin':
      if (!Array.isArray(value) || value.length > LIMITS.inValues) fail(`${op} at \`${path}\` takes an array of at most ${LIMITS.inValues} values.`, at);
      return value;
    case '$exists':
      if (typeof value !== 'boolean') fail(`$exists at \`${path}\` takes true or false.`, at);
      return value;
    case '$regex':
      if (path === 'createdAt' || path === 'endedAt' || FIELDS[path] === 'createdAt' || FIELDS[path] === 'endedAt') {
        fail(`$regex applies to text; \`${path}\` is a time: compare it with $gt/$lt and an ISO time.`, at);
      }
      if (typeof value !== 'string' || value.length > LIMITS.regexLength) fail(`$regex at \`${path}\` takes a pattern string of at most ${LIMITS.regexLength} characters.`, at);
      try {
        new RegExp(value, 'u');
      } catch {
        fail(`$regex at \`${path}\` is not a valid regular expression.`, at);
      }
      return value;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) fail(`${op} at \`${path}\` takes a number or a string.`, at);
      return value;
    default:
      return value;
  }
}

/** Run states are one enum across sources; `finished` and `FINISHED` mean the same. */
function normalise(path: FieldPath, op: CompareOp, value: unknown): unknown {
  if (path.root !== 'field' || path.field !== 'state' || op === '$regex') return value;
  const up = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v);
  return Array.isArray(value) ? value.map(up) : up(value);
}

/** `{op: arg, ...}` or a bare value (equality) for one path. */
function condition(path: FieldPath, text: string, cond: unknown, count: () => void): FilterNode {
  if (!isObject(cond) || !Object.keys(cond).some((k) => k.startsWith('$'))) {
    count();
    return { kind: 'cmp', path, op: '$eq', value: normalise(path, '$eq', cond) };
  }
  const children: FilterNode[] = [];
  for (const [op, arg] of Object.entries(cond)) {
    if (!op.startsWith('$')) fail(`\`${text}\` mixes operators with plain keys (\`${op}\`).`, { path: text });
    if (!COMPARE.has(op)) fail(`unknown operator ${op} at \`${text}\`.`, { path: text, operator: op });
    count();
    if (op === '$not') {
      if (!isObject(arg) && typeof arg !== 'string') fail(`$not at \`${text}\` takes an operator object, e.g. {"$not": {"$gt": 1}}.`, { path: text, operator: op });
      children.push({ kind: 'not', child: condition(path, text, typeof arg === 'string' ? { $regex: arg } : arg, count) });
    } else {
      children.push({ kind: 'cmp', path, op: op as CompareOp, value: normalise(path, op as CompareOp, operand(op as CompareOp, arg, text)) });
    }
  }
  return children.length === 1 ? (children[0] as FilterNode) : { kind: 'and', children };
}

/** Parses and validates a filter; a bad one is a BAD_USER_INPUT naming the operator and path. */
export function parseFilter(input: unknown): FilterNode {
  let nodes = 0;
  const count = () => {
    if (++nodes > LIMITS.nodes) fail(`more than ${LIMITS.nodes} conditions.`, {});
  };
  const walk = (obj: unknown, depth: number): FilterNode => {
    if (depth > LIMITS.depth) fail(`nested deeper than ${LIMITS.depth} levels.`, {});
    if (!isObject(obj)) fail('a filter is a JSON object, e.g. {"config.lr": {"$gt": 0.01}}.', {});
    const children: FilterNode[] = [];
    for (const [key, value] of Object.entries(obj)) {
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || value.length === 0) fail(`${key} takes a non-empty array of filters.`, { operator: key });
        count();
        children.push({ kind: key.slice(1) as 'and' | 'or' | 'nor', children: value.map((v) => walk(v, depth + 1)) });
      } else if (key.startsWith('$')) {
        fail(`unknown operator ${key} at the top of a filter.`, { operator: key });
      } else {
        children.push(condition(parsePath(key), key, value, count));
      }
    }
    return children.length === 1 ? (children[0] as FilterNode) : { kind: 'and', children };
  };
  return walk(input, 0);
}

/** The filter argument arrives as a JSON object, or as a string holding one. */
export function filterArgument(raw: unknown): FilterNode | null {
  if (raw === null || raw === undefined) return null;
  let value = raw;
  if (typeof raw === 'string') {
    if (!raw.trim()) return null;
    try {
      value = JSON.parse(raw);
    } catch {
      fail('a filter is a JSON object, e.g. {"config.lr": {"$gt": 0.01}}.', {});
    }
  }
  const node = parseFilter(value);
  return node.kind === 'and' && node.children.length === 0 ? null : node;
}

