import { once } from 'node:events';
import type { Response } from 'express';

/** A CSV export before its first byte: every check and up-front read is done by then. */
export interface CsvExport {
  /** The download's file name (`content-disposition`). */
  filename: string;
  /** Lines, a batch at a time (the header in the first batch); each batch is written as one chunk. */
  batches: AsyncIterable<string[][]>;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Aborts when the client goes away before the response is complete. */
export function closeSignal(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

function safeFilename(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 200) || 'export.csv';
}

/**
 * Writes the batches as they come. Headers go out with the first batch, so a failure before it can
 * still be answered with a JSON error. A batch is read only once the previous one is accepted by
 * the socket (`write` returning false waits for `drain`), and none is read after the client left:
 * leaving the loop ends the generator, which stops paging upstream.
 */
export async function writeCsv(res: Response, csv: CsvExport, signal: AbortSignal): Promise<void> {
  const start = () => {
    if (res.headersSent) return;
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${safeFilename(csv.filename)}"`);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
  };
  for await (const batch of csv.batches) {
    if (signal.aborted) return;
    if (batch.length === 0) continue;
    start();
    if (!res.write(batch.map(csvLine).join(''))) {
      try {
        await once(res, 'drain', { signal });
      } catch {
        // The client left (or its socket failed): nothing more can reach it.
        return;
      }
    }
  }
  if (signal.aborted) return;
  start();
  res.end();
}

/** Puts the header in front of the first batch of rows (or alone, when there are none). */
export async function* withHeader(header: string[], rows: AsyncIterable<string[][]>): AsyncGenerator<string[][]> {
  let first = true;
  for await (const batch of rows) {
    if (batch.length === 0) continue;
    yield first ? [header, ...batch] : batch;
    first = false;
  }
  if (first) yield [header];
}
