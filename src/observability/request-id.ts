import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

const requestIds = new AsyncLocalStorage<string>();

/** What a caller may name its request with; anything else is replaced, so logs stay clean. */
const VALID_ID = /^[\w.:@/+=-]{1,128}$/;

/** The id of the request being served, if any. */
export const currentRequestId = (): string | undefined => requestIds.getStore();

/**
 * Takes the caller's `X-Request-Id` (or makes one), echoes it in the response and runs the rest of
 * the request with it, so every log line of the request carries it. One line per request at the end.
 */
export function requestIdMiddleware(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && VALID_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    const started = performance.now();
    res.once('close', () => {
      // The path only: query strings may carry filters and ids nobody asked to keep.
      logger.info('request', { requestId: id, method: req.method, path: req.path, status: res.statusCode, durationMs: Math.round(performance.now() - started) });
    });
    requestIds.run(id, next);
  };
}

/** A logger whose lines carry the current request's id. */
export function withRequestId(logger: Logger): Logger {
  const level =
    (write: Logger['info']) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      const requestId = currentRequestId();
      write(msg, requestId && fields.requestId === undefined ? { requestId, ...fields } : fields);
    };
  return { debug: level(logger.debug), info: level(logger.info), warn: level(logger.warn), error: level(logger.error) };
}
