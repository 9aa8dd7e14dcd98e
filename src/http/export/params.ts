import { badInput } from '../../errors';

export interface ExportParams {
  /** Every value of a repeatable parameter (`keys=a&keys=b`); `null` when absent. */
  list(name: string): string[] | null;
  /** A parameter given at most once. */
  one(name: string): string | null;
}

/** An export URL's query; unknown names are refused, so a misspelt parameter is not silently ignored. */
export function exportParams(query: unknown, allowed: readonly string[]): ExportParams {
  const q = (query ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(q).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    const known = allowed.length ? `it takes ${allowed.map((k) => `\`${k}\``).join(', ')}` : 'it takes none';
    throw badInput(`Unknown query parameter \`${unknown[0]}\`: ${known}.`, { argument: unknown[0] });
  }
  const list = (name: string): string[] | null => {
    const v = q[name];
    if (v === undefined) return null;
    const values = Array.isArray(v) ? v : [v];
    if (!values.every((x): x is string => typeof x === 'string')) throw badInput(`\`${name}\` takes plain text values.`, { argument: name });
    return values;
  };
  return {
    list,
    one: (name) => {
      const values = list(name);
      if (values && values.length > 1) throw badInput(`\`${name}\` can be given only once.`, { argument: name });
      return values?.[0] ?? null;
    },
  };
}
