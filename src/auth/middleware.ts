import type { RequestHandler } from 'express';
import { GatewayError, gatewayError } from '../errors';
import { requestScope } from '../request-scope';
import type { Authenticator } from './authenticate';
import { atLeast } from './roles';

/** Caller credentials for a source configured with `credentials: caller`: `X-Source-Token-<source>`. */
export const sourceTokenHeader = (source: string) => `x-source-token-${source}`;

function sendError(res: Parameters<RequestHandler>[1], status: number, e: GatewayError): void {
  res.status(status).json({ errors: [{ message: e.message, extensions: { code: e.code } }] });
}

/**
 * Authenticates the request and runs the rest of it in a scope naming the principal, its role, and
 * the caller's own upstream credentials. Everything downstream (cache keys, coalescing, loaders,
 * role checks) reads that scope.
 */
export function authenticateRequests(auth: Authenticator, callerSources: string[]): RequestHandler {
  return async (req, res, next) => {
    let principal;
    try {
      principal = await auth.authenticate({ authorization: req.get('authorization'), apiKey: req.get('x-api-key') });
    } catch (e) {
      if (e instanceof GatewayError) return sendError(res, 401, e);
      throw e;
    }
    // HTTP writes outside GraphQL (uploads, deletes) need an editor; GraphQL checks per operation.
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && req.path !== '/graphql' && !atLeast(principal.role, 'editor')) {
      return sendError(res, 403, gatewayError('FORBIDDEN', `${req.method} needs the editor role; this caller is a ${principal.role}.`));
    }
    const upstreamSecrets: Record<string, string> = {};
    for (const source of callerSources) {
      const secret = req.get(sourceTokenHeader(source));
      if (secret) upstreamSecrets[source] = secret;
    }
    requestScope.run(
      { principal: principal.id, role: principal.role, upstreamSecrets, fresh: /\bno-cache\b/i.test(req.get('cache-control') ?? ''), generations: new Map() },
      next,
    );
  };
}
