import { createHash } from 'node:crypto';
import { badInput } from './errors';
import type { Connection, Page } from './models';

export const MAX_FIRST = 500;

/** A position in a listing: the next item to read is `offset` in `source`. */
export interface Position {
  source: string;
  offset: number;
  /** The source's own cursor at that position, for sources that page by cursor (W&B). */
  token?: string | null;
}

/** Ties a cursor to the listing it came from, so it cannot be replayed against another. */
export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 10);
}

export function encodeCursor(pos: Position, fp: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: pos.source, o: pos.offset, f: fp, ...(pos.token ? { t: pos.token } : {}) }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, fp: string): Position {
  let parsed: { v?: unknown; s?: unknown; o?: unknown; f?: unknown; t?: unknown } = {};
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    // Reported below as a malformed cursor.
  }
  if (parsed.v !== 1 || typeof parsed.s !== 'string' || !Number.isSafeInteger(parsed.o) || (parsed.o as number) < 0 || (parsed.t !== undefined && typeof parsed.t !== 'string')) {
    throw badInput('Malformed cursor: pass an endCursor or edge cursor exactly as the gateway returned it.', { argument: 'after' });
  }
  if (parsed.f !== fp) {
    throw badInput('The cursor belongs to a different listing (other arguments or parent); start again without `after`.', { argument: 'after' });
  }
  return { source: parsed.s, offset: parsed.o as number, token: (parsed.t as string | undefined) ?? null };
}

/** The position after item `i` of a page read at `start`. */
function positionAfter<T>(page: Page<T>, start: Position, i: number): Position {
  return { source: start.source, offset: start.offset + i + 1, token: page.upstreamCursors?.[i] ?? null };
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
  const edges = page.items.map((node, i) => ({ node, cursor: encodeCursor(positionAfter(page, start, i), fp) }));
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
  read: (source: string, offset: number, limit: number, token: string | null) => Promise<Page<T>>,
): Promise<Connection<T>> {
  const start = after ? decodeCursor(after, fp) : { source: sources[0] ?? '', offset: 0 };
  let index = sources.indexOf(start.source);
  if (index < 0) throw badInput('The cursor names a source that is not part of this listing.', { argument: 'after' });
  const edges: Connection<T>['edges'] = [];
  let offset = start.offset;
  let token = start.token ?? null;
  let hasNextPage = false;
  while (index < sources.length) {
    const source = sources[index] as string;
    const page: Page<T> = first - edges.length > 0 ? await read(source, offset, first - edges.length, token) : { items: [], hasMore: true };
    page.items.forEach((node, i) => edges.push({ node, cursor: encodeCursor(positionAfter(page, { source, offset, token }, i), fp) }));
    if (edges.length >= first) {
      hasNextPage = page.hasMore || index < sources.length - 1;
      break;
    }
    index += 1;
    offset = 0;
    token = null;
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
