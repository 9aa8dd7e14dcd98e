import type { Readable } from 'node:stream';
import { Router, type Request } from 'express';
import type { Logger } from '../logger';
import { listedFile, runTarget } from '../modules/run-files/service';
import { uploadPath } from '../modules/run-files/paths';
import type { SourceRegistry } from '../sources';
import { UploadAborted } from '../sources/upstream';
import { HttpStatusError, sendError } from './error-response';

/** The request body pulled a chunk at a time, only as fast as the upstream takes it. */
function pulled(req: Readable): ReadableStream<Uint8Array> {
  const chunks = req[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        const next = await chunks.next();
        if (next.done) ctrl.close();
        else ctrl.enqueue(next.value as Uint8Array);
      },
      cancel: () => void req.destroy(),
    },
    { highWaterMark: 0 },
  );
}

/**
 * The declared size, required: the limit is enforced before any upstream call, and the sources'
 * upload targets (object-store PUT URLs, MLflow's proxy) take a Content-Length, so chunked bodies
 * are refused (411) rather than buffered to learn their size.
 */
function declaredLength(req: Request, maxBytes: number): number {
  const raw = req.get('content-length');
  if (raw === undefined || req.get('transfer-encoding')) {
    throw new HttpStatusError(411, 'BAD_USER_INPUT', 'Send the file with a Content-Length header; chunked uploads are not accepted.');
  }
  const length = Number(raw);
  if (length > maxBytes) {
    throw new HttpStatusError(413, 'BAD_USER_INPUT', `The file is ${length} bytes; this gateway takes at most ${maxBytes} (MLGATE_MAX_UPLOAD_BYTES).`, { maxBytes });
  }
  return length;
}

/**
 * `PUT /files/<run id>/<path>`: streams the raw body into the run's source with backpressure,
 * never buffering it, and answers 201 with the file as the source lists it. Everything is checked
 * before any upstream call (the editor role by authenticateRequests, then id, path and size); a
 * caller who goes away mid-body aborts the upstream upload, and nothing is marked uploaded.
 */
export function uploadsRouter(sources: SourceRegistry, logger: Logger, opts: { maxBytes: number; publicUrl: (req: Request) => string }): Router {
  const router = Router();
  router.put('/files/:id/*path', async (req, res) => {
    const abort = new AbortController();
    const gone = () => {
      if (!req.complete) abort.abort();
    };
    req.once('close', gone);
    try {
      const target = runTarget({ sources }, req.params.id as string);
      const path = uploadPath((req.params as unknown as { path: string[] }).path.join('/'));
      const length = declaredLength(req, opts.maxBytes);
      await target.source.uploadFile(target.ref, path, { body: pulled(req), length, signal: abort.signal });
      res.status(201).json(await listedFile(opts.publicUrl(req), target, path));
    } catch (e) {
      if (e instanceof UploadAborted || abort.signal.aborted) {
        logger.info('upload aborted by the caller', { path: req.path });
        res.destroy();
        return;
      }
      // The body may be unread (refused before it was needed): end the connection rather than drain it.
      if (!req.complete) res.setHeader('connection', 'close');
      sendError(res, e, logger, 'file upload');
    } finally {
      req.off('close', gone);
    }
  });
  return router;
}
