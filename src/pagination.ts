import { createHash } from 'node:crypto';
import { badInput } from './errors';
import type { Connection, Page } from './models';

export const MAX_FIRST = 500;

/** A position in a listing: the next item to read is `offset` in `source`. */
export interface Position {
  source: string;
  offset: number;
}

/** Ties a cursor to the listing it came from, so it cannot be replayed against another. */
export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 10);
}

export function encodeCursor(pos: Position, fp: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: pos.source, o: pos.offset, f: fp }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, fp: string): Position {
  let parsed: { v?: unknown; s?: unknown; o?: unknown; f?: unknown } = {};
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    // Reported below as a malformed cursor.
  }
  if (parsed.v !== 1 || typeof parsed.s !== 'string' || !Number.isSafeInteger(parsed.o) || (parsed.o as number) < 0) {
    throw badInput('Malformed cursor: pass an endCursor or edge cursor exactly as the gateway returned it.', { argument: 'after' });
  }
  if (parsed.f !== fp) {
    throw badInput('The cursor belongs to a different listing (other arguments or parent); start again without `after`.', { argument: 'after' });
  }
  return { source: parsed.s, offset: parsed.o as number };
}

export function validateFirst(first: number | null | undefined, fallback = 50): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_FIRST) {
    throw badInput(`\`first\` must be between 0 and ${MAX_FIRST}, got ${n}.`, { argument: 'first' });
  }
  return n;
}

/** Builds a connection from one page read at `start`. */
export function toConnection<T>(page: Page<T>, start: Position, fp: string): Connection<T> {
  const edges = page.items.map((node, i) => ({ node, cursor: encodeCursor({ source: start.source, offset: start.offset + i + 1 }, fp) }));
  return {
    edges,
    nodes: page.items,
    pageInfo: {
      hasNextPage: page.hasMore,
      hasPreviousPage: start.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * Reads `first` items across several sources one after another (configuration order), continuing
 * into the next source when one runs out. Merged ordering across sources is not attempted here.
 */
export async function concatSources<T>(
  sources: string[],
  after: string | null | undefined,
  first: number,
  fp: string,
  read: (source: string, offset: number, limit: number) => Promise<Page<T>>,
): Promise<Connection<T>> {
  const start = after ? decodeCursor(after, fp) : { source: sources[0] ?? '', offset: 0 };
  let index = sources.indexOf(start.source);
  if (index < 0) throw badInput('The cursor names a source that is not part of this listing.', { argument: 'after' });
  const edges: Connection<T>['edges'] = [];
  let offset = start.offset;
  let hasNextPage = false;
  while (index < sources.length) {
    const source = sources[index] as string;
    const page = first - edges.length > 0 ? await read(source, offset, first - edges.length) : { items: [], hasMore: true };
    page.items.forEach((node, i) => edges.push({ node, cursor: encodeCursor({ source, offset: offset + i + 1 }, fp) }));
    if (edges.length >= first) {
      hasNextPage = page.hasMore || index < sources.length - 1;
      break;
    }
    index += 1;
    offset = 0;
  }
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
