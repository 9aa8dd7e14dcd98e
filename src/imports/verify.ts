import type { DestinationRunState, ImportRunSpec } from './destination';

/**
 * Why the destination's copy differs from what the run maps to, or `null` when it matches: the
 * whole config, every summary key the import wrote (W&B adds its own, such as `_wandb`), and the
 * number of history rows.
 */
export function verifyRun(spec: ImportRunSpec, historyRows: number, dest: DestinationRunState): string | null {
  if (!dest.exists) return 'the run is not in the destination';
  const configDiff = Object.keys({ ...spec.config, ...dest.config }).filter((k) => k !== '_wandb' && !same(spec.config[k], dest.config[k]));
  if (configDiff.length) return `config differs at ${list(configDiff)}`;
  const summaryDiff = Object.keys(spec.summary).filter((k) => !same(spec.summary[k], dest.summary[k]));
  if (summaryDiff.length) return `summary differs at ${list(summaryDiff)}`;
  if (dest.historyLength !== historyRows) return `history has ${dest.historyLength} rows, the source ${historyRows}`;
  return null;
}

/** JSON values compared by content (not prototype); numbers may come back through JSON with float noise. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const bo = b as Record<string, unknown>;
    return ka.length === Object.keys(bo).length && ka.every((k) => k in bo && same((a as Record<string, unknown>)[k], bo[k]));
  }
  return a === b;
}

const list = (keys: string[]): string => keys.slice(0, 5).map((k) => `'${k}'`).join(', ') + (keys.length > 5 ? ` and ${keys.length - 5} more` : '');
