/**
 * The gateway's one run filter language: MongoDB style, as W&B documents it. Parsed once into this
 * tree, then evaluated in the gateway, rewritten for W&B, or partly compiled for MLflow.
 */
export type Field = 'name' | 'displayName' | 'state' | 'tags' | 'createdAt' | 'endedAt' | 'user' | 'group' | 'jobType' | 'sweep';

export type FieldPath = { root: 'config'; keys: string[] } | { root: 'summary'; keys: string[] } | { root: 'field'; field: Field };

export type CompareOp = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin' | '$exists' | '$regex';

export type FilterNode =
  | { kind: 'and' | 'or' | 'nor'; children: FilterNode[] }
  | { kind: 'not'; child: FilterNode }
  | { kind: 'cmp'; path: FieldPath; op: CompareOp; value: unknown };

/** Dotted form of a path, for messages and for sources that take dotted keys. */
export function pathText(p: FieldPath): string {
  return p.root === 'field' ? p.field : `${p.root}.${p.keys.join('.')}`;
}

export const TRUE: FilterNode = { kind: 'and', children: [] };
