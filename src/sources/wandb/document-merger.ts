import { currentScope } from '../../request-scope';

/**
 * One aliased read (the SDK's RunSampledHistory, GetSweep or SpecificReport over several objects),
 * built with every alias and variable name starting with `prefix`, so that several can share one
 * document without clashing.
 */
export interface AliasedPart {
  /** The gateway's call name, e.g. `wandb.sweep`. */
  op: string;
  /** The SDK's operation name, e.g. `GetSweep`. */
  name: string;
  varDecls: string[];
  fields: string[];
  fragments: string[];
  variables: Record<string, unknown>;
}

export type PartBuilder = (prefix: string) => AliasedPart;
export type SendDocument = (op: string, query: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

interface Pending {
  build: PartBuilder;
  resolve(data: Record<string, unknown>): void;
  reject(e: unknown): void;
}

/** Beyond this many parts a document gets large enough that W&B's query cost limits come into view. */
const MAX_PARTS_PER_DOCUMENT = 4;

export function documentOf(parts: AliasedPart[]): { op: string; query: string; variables: Record<string, unknown> } {
  // Sorted, so a merge of the same kinds of read always has the same name and cache key.
  const unique = (xs: string[]) => [...new Set(xs)].sort();
  const op = unique(parts.map((p) => p.op)).join('+');
  const name = unique(parts.map((p) => p.name)).join('_');
  const query = `query ${name}(${parts.flatMap((p) => p.varDecls).join(', ')}) {\n  ${parts.flatMap((p) => p.fields).join('\n  ')}\n}${[...new Set(parts.flatMap((p) => p.fragments))].map((f) => `\n${f}`).join('')}`;
  return { op, query, variables: Object.assign({}, ...parts.map((p) => p.variables)) as Record<string, unknown> };
}

/**
 * Merges the aliased reads one request issues in the same turn of the event loop (a page's sampled
 * history and its sweeps, resolved side by side) into one W&B request. Reads are merged only within
 * a request scope, so a merged answer (and its cache entry) never mixes two callers' reads.
 */
export class DocumentMerger {
  private readonly queues = new WeakMap<object, Pending[]>();

  constructor(private readonly send: SendDocument) {}

  read(build: PartBuilder): Promise<Record<string, unknown>> {
    const scope = currentScope();
    let queue = this.queues.get(scope);
    if (!queue) {
      const fresh: Pending[] = [];
      queue = fresh;
      this.queues.set(scope, fresh);
      // After every loader of this turn has dispatched (they dispatch on process.nextTick).
      setImmediate(() => {
        this.queues.delete(scope);
        for (let i = 0; i < fresh.length; i += MAX_PARTS_PER_DOCUMENT) void this.flush(fresh.slice(i, i + MAX_PARTS_PER_DOCUMENT));
      });
    }
    return new Promise((resolve, reject) => queue.push({ build, resolve, reject }));
  }

  private async flush(group: Pending[]): Promise<void> {
    const prefixes = group.length === 1 ? [''] : group.map((_, k) => `b${k}_`);
    try {
      const parts = group.map((p, k) => p.build(prefixes[k] as string));
      const { op, query, variables } = documentOf(parts);
      const data = await this.send(op, query, variables);
      group.forEach((p, k) => {
        const prefix = prefixes[k] as string;
        const own: Record<string, unknown> = {};
        for (const [alias, value] of Object.entries(data)) if (alias.startsWith(prefix)) own[alias.slice(prefix.length)] = value;
        p.resolve(own);
      });
    } catch (e) {
      for (const p of group) p.reject(e);
    }
  }
}
