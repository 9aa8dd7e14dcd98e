import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { GatewayError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

/** HTTP statuses of the gateway's error codes, for routes outside GraphQL. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 502,
  FORBIDDEN: 502,
  NOT_FOUND: 404,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_ERROR: 502,
  UNSUPPORTED_BY_SOURCE: 501,
};

/** A gateway error whose HTTP status is more precise than its code's (411, 413). */
export class HttpStatusError extends GatewayError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

/**
 * A JSON error body shaped like a GraphQL error, so clients read one format everywhere. Anything
 * not raised as a GatewayError is masked, as GraphQL's formatError does.
 */
export function sendError(res: Response, e: unknown, logger: Logger, what: string): void {
  if (e instanceof GatewayError) {
    res.status(e instanceof HttpStatusError ? e.status : STATUS[e.code] ?? 500).json({ errors: [{ message: e.message, extensions: e.extensions }] });
    return;
  }
  logger.error(`${what} failed`, { error: e instanceof Error ? e.message : String(e) });
  res.status(500).json({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
}

/** Unknown routes answer in the same JSON error format as everything else, not express's HTML page. */
export function unknownRoute(): RequestHandler {
  return (_req, res) => {
    res.status(404).json({ errors: [{ message: 'There is no such route; GraphQL is served at /graphql.', extensions: { code: 'NOT_FOUND' } }] });
  };
}

/**
 * What express's own middleware refuses (a body that is not JSON, or over the size limit) becomes a
 * typed JSON error with the status the parser chose; anything else is masked.
 */
export function requestErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown } | null)?.status;
    const type = (err as { type?: unknown } | null)?.type;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message = type === 'entity.too.large' ? 'The request body is over the size limit (MLGATE_MAX_BODY_BYTES).' : type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : 'The request could not be read.';
      res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
      return;
    }
    sendError(res, err, logger, 'request');
  };
}
