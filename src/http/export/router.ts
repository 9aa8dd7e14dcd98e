import { Router, type Request, type Response } from 'express';
import type { GatewayContext } from '../../context';
import type { Logger } from '../../logger';
import { sendError } from '../error-response';
import { closeSignal, writeCsv, type CsvExport } from './csv';
import { historyExport, historyQuery, systemMetricsExport, systemMetricsQuery } from './history';
import { runsTable, runsTableQuery } from './runs-table';

/**
 * Streams an export. A failure before the first byte is a JSON error with the gateway's code and
 * status; after it, the connection is cut, so a truncated file never looks complete.
 */
async function respond(res: Response, logger: Logger, build: (signal: AbortSignal) => Promise<CsvExport>): Promise<void> {
  const signal = closeSignal(res);
  try {
    await writeCsv(res, await build(signal), signal);
  } catch (e) {
    if (signal.aborted) return;
    if (!res.headersSent) return sendError(res, e, logger, 'CSV export');
    logger.warn('CSV export failed after streaming began', { error: e instanceof Error ? e.message : String(e) });
    res.destroy();
  }
}

/**
 * `GET /export/runs.csv`, `/export/runs/<run id>/history.csv` and `/export/runs/<run id>/system-metrics.csv`:
 * the CSV files people script with SDK loops, read page by page with the same arguments, checks and
 * request scope as the GraphQL API.
 */
export function exportRouter(logger: Logger, contextOf: (req: Request) => GatewayContext, opts: { bufferRuns: number }): Router {
  const router = Router();
  router.get('/export/runs.csv', (req, res) =>
    respond(res, logger, (signal) => {
      const q = runsTableQuery(req.query);
      return runsTable(contextOf(req), q, opts.bufferRuns, signal);
    }),
  );
  router.get('/export/runs/:id/history.csv', (req, res) =>
    respond(res, logger, () => {
      const q = historyQuery(req.params.id, req.query);
      return historyExport(contextOf(req), q);
    }),
  );
  router.get('/export/runs/:id/system-metrics.csv', (req, res) =>
    respond(res, logger, () => {
      const id = systemMetricsQuery(req.params.id, req.query);
      return systemMetricsExport(contextOf(req), id);
    }),
  );
  return router;
}
