/**
 * How a value reads in a cell: text as is, numbers and booleans as JSON spells them, times in ISO
 * 8601 (UTC), nothing for null or absent, arrays and objects as JSON text.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/**
 * Whether an object is opened into dotted columns. Arrays, empty objects and W&B's typed values
 * (`_type`: histograms, tables, media) stay whole, as JSON text: their parts are not columns anyone
 * charts, and a histogram alone would add dozens.
 */
function opens(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return false;
  return !('_type' in value) && Object.keys(value).length > 0;
}

/**
 * Visits the leaves of a config or summary under dotted keys: `{model: {depth: 8}}` gives
 * `model.depth`. A key that already holds a dot (an MLflow param `model.depth`) names the same
 * column as the nested form; within one run the later of the two wins.
 */
export function flatten(value: Record<string, unknown>, visit: (key: string, leaf: unknown) => void, prefix = ''): void {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (opens(v)) flatten(v, visit, key);
    else visit(key, v);
  }
}
