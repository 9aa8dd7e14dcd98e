import { badInput } from '../../errors';
import type { RunChange } from '../../sources/run-change';

const MAX_KEYS = 1000;
const MAX_KEY_LENGTH = 250;
const MAX_BYTES = 256 * 1024;
const MAX_DEPTH = 10;
const MAX_TAGS = 100;

function key(k: unknown, argument: string): string {
  if (typeof k !== 'string' || k.trim() === '') throw badInput('Keys must be non-empty strings.', { argument });
  if (k.length > MAX_KEY_LENGTH) throw badInput(`Key ${JSON.stringify(k.slice(0, 40))}… is longer than ${MAX_KEY_LENGTH} characters.`, { argument });
  // `_wandb`, `_step`, `_runtime`, `_timestamp`: the trackers' own bookkeeping.
  if (k.startsWith('_')) throw badInput(`Key ${JSON.stringify(k)} is reserved: keys starting with \`_\` belong to the tracker.`, { argument });
  return k;
}

function depth(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depth));
}

/** An object of keys to JSON values, bounded in keys, size and nesting. */
function keyValues(raw: unknown, argument: string): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badInput(`\`${argument}\` must be a JSON object of keys to values.`, { argument });
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_KEYS) throw badInput(`\`${argument}\` sets ${entries.length} keys; at most ${MAX_KEYS} at once.`, { argument });
  if (JSON.stringify(raw).length > MAX_BYTES) throw badInput(`\`${argument}\` is larger than ${MAX_BYTES / 1024} KB.`, { argument });
  for (const [k, v] of entries) {
    key(k, argument);
    if (v === undefined) throw badInput(`Key ${JSON.stringify(k)} has no value.`, { argument });
    if (depth(v) > MAX_DEPTH) throw badInput(`Key ${JSON.stringify(k)} is nested deeper than ${MAX_DEPTH} levels.`, { argument });
  }
  return raw as Record<string, unknown>;
}

function keyList(raw: readonly string[] | null | undefined, argument: string): string[] {
  const list = [...new Set(raw ?? [])];
  if (list.length > MAX_KEYS) throw badInput(`At most ${MAX_KEYS} keys at once.`, { argument });
  return list.map((k) => key(k, argument));
}

function disjoint(a: string[], b: string[], what: string, argument: string): void {
  const both = a.find((k) => b.includes(k));
  if (both !== undefined) throw badInput(`Key ${JSON.stringify(both)} is both ${what}.`, { argument });
}

export function summaryChange(args: { set?: unknown; rename?: ReadonlyArray<{ from: string; to: string }> | null; delete?: readonly string[] | null }): RunChange {
  const set = keyValues(args.set, 'set');
  const del = keyList(args.delete, 'delete');
  const rename = (args.rename ?? []).map((r) => ({ from: key(r.from, 'rename'), to: key(r.to, 'rename') }));
  if (rename.some((r) => r.from === r.to)) throw badInput('A rename must change the key.', { argument: 'rename' });
  const froms = rename.map((r) => r.from);
  const tos = rename.map((r) => r.to);
  if (new Set(froms).size !== froms.length || new Set(tos).size !== tos.length) throw badInput('Each key is renamed once, to a distinct key.', { argument: 'rename' });
  disjoint(Object.keys(set), del, 'set and deleted', 'delete');
  disjoint([...froms, ...tos], [...Object.keys(set), ...del], 'renamed and set or deleted', 'rename');
  if (Object.keys(set).length + del.length + rename.length === 0) throw badInput('Name keys to `set`, `rename` or `delete`.', { argument: 'set' });
  return { summary: { set, rename, delete: del } };
}

export function configChange(args: { set?: unknown; delete?: readonly string[] | null }): RunChange {
  const set = keyValues(args.set, 'set');
  const del = keyList(args.delete, 'delete');
  disjoint(Object.keys(set), del, 'set and deleted', 'delete');
  if (Object.keys(set).length + del.length === 0) throw badInput('Name keys to `set` or `delete`.', { argument: 'set' });
  return { config: { set, delete: del } };
}

function tagList(raw: readonly string[] | null | undefined, argument: string): string[] {
  const list = [...new Set(raw ?? [])];
  if (list.length > MAX_TAGS) throw badInput(`At most ${MAX_TAGS} tags.`, { argument });
  for (const t of list) if (t.trim() === '' || t.length > MAX_KEY_LENGTH || t.startsWith('mlflow.')) throw badInput(`Tag ${JSON.stringify(t)} must be 1-${MAX_KEY_LENGTH} characters and not a system tag.`, { argument });
  return list;
}

export function metadataChange(input: {
  name?: string | null;
  notes?: string | null;
  group?: string | null;
  jobType?: string | null;
  tags?: { add?: readonly string[] | null; remove?: readonly string[] | null; replace?: readonly string[] | null } | null;
}): RunChange {
  const meta: NonNullable<RunChange['meta']> = {};
  const text = (v: string | null | undefined, max: number, argument: string) => {
    if (v === null || v === undefined) return undefined;
    if (v.length > max) throw badInput(`\`${argument}\` is longer than ${max} characters.`, { argument });
    return v;
  };
  meta.name = text(input.name, 250, 'name');
  if (meta.name !== undefined && meta.name.trim() === '') throw badInput('A run name must not be empty.', { argument: 'name' });
  meta.notes = text(input.notes, 64 * 1024, 'notes');
  meta.group = text(input.group, 250, 'group');
  meta.jobType = text(input.jobType, 250, 'jobType');
  if (input.tags) {
    const add = tagList(input.tags.add, 'tags.add');
    const remove = tagList(input.tags.remove, 'tags.remove');
    const replace = input.tags.replace ? tagList(input.tags.replace, 'tags.replace') : null;
    disjoint(add, remove, 'added and removed', 'tags.remove');
    meta.tags = { add, remove, replace };
  }
  for (const k of Object.keys(meta) as Array<keyof typeof meta>) if (meta[k] === undefined) delete meta[k];
  if (Object.keys(meta).length === 0) throw badInput('Name something to change.', { argument: 'input' });
  return { meta };
}
