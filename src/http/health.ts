import { Router } from 'express';
import { GatewayError } from '../errors';
import type { SourceRegistry } from '../sources';

/** `/healthz`: the process is up. `/readyz`: every configured source answers its health check. */
export function healthRouter(sources: SourceRegistry): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      sources.select().map(async (s) => {
        try {
          await s.ping();
          return { name: s.info.name, kind: s.info.kind, ready: true };
        } catch (e) {
          const code = e instanceof GatewayError ? e.code : 'INTERNAL_SERVER_ERROR';
          return { name: s.info.name, kind: s.info.kind, ready: false, code };
        }
      }),
    );
    const ready = checks.every((c) => c.ready);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', sources: checks });
  });
  return router;
}
