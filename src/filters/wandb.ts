import type { FieldPath, FilterNode } from './ast';

const RUN_STATES = ['PENDING', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'KILLED', 'PREEMPTING', 'PREEMPTED', 'UNKNOWN'];

/** W&B's names for the gateway's fields (W&B's run filter keys). */
const WANDB_FIELDS = {
  name: 'name',
  displayName: 'display_name',
  state: 'state',
  tags: 'tags',
  createdAt: 'created_at',
  endedAt: 'heartbeat_at',
  user: 'username',
  group: 'group',
  jobType: 'jobType',
  sweep: 'sweep',
} as const;

export function wandbKey(p: FieldPath): string {
  if (p.root === 'config') return `config.${p.keys.join('.')}`;
  if (p.root === 'summary') return `summary_metrics.${p.keys.join('.')}`;
  return WANDB_FIELDS[p.field];
}

/** W&B keeps times as UTC ISO strings without a zone, and compares them as such. */
function wandbTime(v: unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  const t = typeof v === 'number' ? v : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) || !v.includes('T') ? v : `${v}Z`);
  return Number.isNaN(t) ? v : new Date(t).toISOString().slice(0, 19);
}

function wandbValue(p: FieldPath, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => wandbValue(p, x));
  if (p.root !== 'field') return v;
  if (p.field === 'state') return typeof v === 'string' ? v.toLowerCase() : v;
  if (p.field === 'createdAt' || p.field === 'endedAt') return wandbTime(v);
  return v;
}

/** The filter in W&B's own MongoDB-style keys, to push down whole. */
export function toWandbFilter(node: FilterNode): Record<string, unknown> {
  switch (node.kind) {
    case 'and':
    case 'or':
    case 'nor':
      return { [`$${node.kind}`]: node.children.map(toWandbFilter) };
    case 'not': {
      const child = node.child;
      if (child.kind === 'cmp') return { [wandbKey(child.path)]: { $not: { [child.op]: wandbValue(child.path, child.value) } } };
      return { $nor: [toWandbFilter(child)] };
    }
    case 'cmp':
      if (node.op === '$regex' && node.path.root === 'field' && node.path.field === 'state') {
        // States are one upper-case enum in the gateway and lower-case words in W&B: match the enum here.
        const re = new RegExp(node.value as string, 'u');
        return { state: { $in: RUN_STATES.filter((st) => re.test(st)).map((st) => st.toLowerCase()) } };
      }
      if (node.op === '$regex') return { [wandbKey(node.path)]: { $regex: node.value } };
      return { [wandbKey(node.path)]: { [node.op]: wandbValue(node.path, node.value) } };
  }
}
