import { badInput } from '../errors';

/** A filter an upstream takes as a JSON object (W&B's MongoDB-style filters), given as an object or as JSON text. */
export function jsonObjectFilter(raw: unknown, argument: string): Record<string, unknown> {
  if (raw === null || raw === undefined || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw badInput(`\`${argument}\` for a W&B source is a JSON filter such as {"name": {"$regex": "class"}}.`, { argument });
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badInput(`\`${argument}\` must be a JSON object.`, { argument });
  return value as Record<string, unknown>;
}

