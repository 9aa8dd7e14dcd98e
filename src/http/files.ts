import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { GatewayError } from '../errors';
import { decodeId, parseRunNativeId } from '../ids';
import { validArtifactPath } from '../modules/runs/files';
import type { SourceRegistry } from '../sources';
import type { Logger } from '../logger';
import { sendError } from './error-response';

/**
 * `GET /files/<run id>/<path>` streams a run's file from its source with the gateway's credentials,
 * so download links work for callers who hold no upstream credentials. Memory stays bounded: bytes
 * are piped with backpressure, never buffered whole.
 */
export function filesRouter(sources: SourceRegistry, logger: Logger): Router {
  const router = Router();
  router.get('/files/:id/*path', async (req, res) => {
    try {
      const id = decodeId(req.params.id, 'Run');
      const segments = (req.params as unknown as { path: string[] }).path;
      const path = validArtifactPath(segments.join('/'));
      if (!path) throw new GatewayError('BAD_USER_INPUT', 'A file path is required.');
      const file = await sources.get(id.source).openFile(parseRunNativeId(id.native), path);
      res.setHeader('content-type', file.contentType ?? 'application/octet-stream');
      if (file.contentLength !== null) res.setHeader('content-length', String(file.contentLength));
      res.setHeader('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(path.slice(path.lastIndexOf('/') + 1))}`);
      res.setHeader('x-content-type-options', 'nosniff');
      await pipeline(Readable.fromWeb(file.body as import('node:stream/web').ReadableStream), res);
    } catch (e) {
      if (!res.headersSent) sendError(res, e, logger, 'file download');
      else res.destroy();
    }
  });
  return router;
}
