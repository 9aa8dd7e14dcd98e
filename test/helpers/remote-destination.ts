import { createServer, type Server } from 'node:http';
import type { DestinationRunState, ImportDestination, ImportHistoryRow, ImportNamespace, ImportRunSpec } from '../../src/imports/destination';

/**
 * The destination double served over HTTP from the test process, so that a gateway in a child
 * process can be SIGKILLed while what it wrote survives, as it would in W&B.
 */
export async function serveDestination(dest: ImportDestination): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const { op, args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { op: string; args: unknown[] };
      let result: unknown = null;
      if (op === 'state') result = await dest.state(args[0] as ImportNamespace, args[1] as string);
      else if (op === 'upsertRun') await dest.upsertRun(args[0] as ImportNamespace, args[1] as ImportRunSpec);
      else if (op === 'appendHistory') await dest.appendHistory(args[0] as ImportNamespace, args[1] as string, args[2] as number, args[3] as ImportHistoryRow[]);
      else if (op === 'finish') await dest.finish(args[0] as ImportNamespace, args[1] as string, args[2] as number, args[3] as Record<string, unknown>);
      else if (op === 'uploadFile') await dest.uploadFile(args[0] as ImportNamespace, args[1] as string, args[2] as string, new Blob([Buffer.from(args[3] as string, 'base64')]).stream(), null);
      else throw new Error(`unknown op ${op}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result }));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** The child's side: each call is one POST to serveDestination. */
export class RemoteDestination implements ImportDestination {
  constructor(private readonly url: string) {}

  private async call<T>(op: string, args: unknown[]): Promise<T> {
    const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op, args }) });
    const body = (await res.json()) as { result?: T; error?: string };
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    return body.result as T;
  }

  state(ns: ImportNamespace, runId: string): Promise<DestinationRunState> {
    return this.call('state', [ns, runId]);
  }
  upsertRun(ns: ImportNamespace, run: ImportRunSpec): Promise<void> {
    return this.call('upsertRun', [ns, run]);
  }
  appendHistory(ns: ImportNamespace, runId: string, offset: number, rows: ImportHistoryRow[]): Promise<void> {
    return this.call('appendHistory', [ns, runId, offset, rows]);
  }
  async uploadFile(ns: ImportNamespace, runId: string, path: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const bytes = Buffer.from(await new Response(body).arrayBuffer());
    return this.call('uploadFile', [ns, runId, path, bytes.toString('base64')]);
  }
  finish(ns: ImportNamespace, runId: string, exitCode: number, summary: Record<string, unknown>): Promise<void> {
    return this.call('finish', [ns, runId, exitCode, summary]);
  }
}
