import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from './auth/roles';

/** Who is asking and how, for code far from the GraphQL context (the upstream cache). */
export interface RequestScope {
  /** The caller; every cached entry is scoped to it. Callers are anonymous until authentication exists. */
  principal: string;
  /** The caller asked for fresh data (`Cache-Control: no-cache`): read upstream, refresh the cache. */
  fresh: boolean;
  /** What the caller may do; absent outside requests (trusted internal work). */
  role?: Role;
  /** The caller's own upstream credentials, by source name, for sources configured to use them. */
  upstreamSecrets?: Record<string, string>;
  /** Cache generations already read in this request (see ReadCache.invalidate). */
  generations?: Map<string, string>;
  /** Sources that answered part of this request from expired cache entries while unavailable. */
  stale?: Set<string>;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export const ANONYMOUS: RequestScope = { principal: 'anonymous', fresh: false };

export const currentScope = (): RequestScope => requestScope.getStore() ?? ANONYMOUS;

/** Runs upstream reads past the shared cache: for reads a write is decided on. */
export function readFresh<T>(work: () => Promise<T>): Promise<T> {
  return requestScope.run({ ...currentScope(), fresh: true }, work);
}
