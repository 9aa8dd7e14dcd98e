import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { isoNoZone, Store, type Seed } from './store';
import { applyFileStream, decodeFileStream, FILE_STREAM_ANSWER, FileStreamError, Throttle, type FileStreamBody } from './file-stream';
import { fieldResolver, rootValue } from './root';
import type { Ctx } from './views';

export interface WandbServer {
  url: string;
  store: Store;
  /** Every GraphQL operation received, by name, for call-count assertions. */
  operations: string[];
  /** file_stream POSTs received (answered or refused), as `<entity>/<project>/<run>`. */
  fileStreams: string[];
  /** The next `count` file_stream calls answer 429 with `Retry-After: retryAfterSeconds`. */
  throttleFileStream(count: number, retryAfterSeconds: number): void;
  /** Awaited before a file_stream request is applied (e.g. to slow one run's writes, or to see their offsets). */
  beforeFileStream: (run: string, body: FileStreamBody) => Promise<void> | void;
  stop(): Promise<void>;
}

let schema: GraphQLSchema | null = null;
/** The SDL is one file per domain under sdl/ (core first; the others extend its types). */
const loadSchema = () => {
  if (schema) return schema;
  const dir = join(__dirname, 'sdl');
  const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
  return (schema = buildSchema(files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')));
};

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/**
 * A stateful W&B protocol server for tests and the demo: GraphQL at /graphql with Basic auth
 * (`api:<key>`), file downloads and uploads under /files/. Its fidelity is proven by running the
 * real wandb SDK against it (test/sdk/).
 */
export async function startWandbServer(opts: { seed: Seed; apiKey: string; port?: number }): Promise<WandbServer> {
  const store = new Store(opts.seed);
  const operations: string[] = [];
  const fileStreams: string[] = [];
  const throttle = new Throttle();
  const expected = `Basic ${Buffer.from(`api:${opts.apiKey}`).toString('base64')}`;
  let baseUrl = '';
  const uploadDir = mkdtempSync(join(tmpdir(), 'mlgate-wandb-files-'));
  let uploads = 0;

  const api: WandbServer = {
    url: '',
    store,
    operations,
    fileStreams,
    throttleFileStream: (count, retryAfterSeconds) => throttle.set(count, retryAfterSeconds),
    beforeFileStream: () => undefined,
    stop: async () => {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await rm(uploadDir, { recursive: true, force: true });
    },
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', baseUrl);
      // wandb-core probes its telemetry proxy here, without credentials; 404 turns it off.
      if (url.pathname.startsWith('/sdk/otel/')) return json(res, 404, { error: 'not found' });
      if (req.headers.authorization !== expected) return json(res, 401, { errors: [{ message: 'invalid API key' }] });
      if (url.pathname === '/graphql' && req.method === 'POST') return await handleGraphql(req, res);
      // For tests driving a standalone server (the Python suites): {"count": n, "retryAfter": s}.
      if (url.pathname === '/_test/throttle-file-stream' && req.method === 'POST') {
        const { count, retryAfter } = JSON.parse((await body(req)).toString('utf8')) as { count: number; retryAfter: number };
        throttle.set(count, retryAfter);
        return json(res, 200, { ok: true });
      }
      if (url.pathname.endsWith('/file_stream') && req.method === 'POST') return await handleFileStream(req, res, url);
      if (url.pathname.startsWith('/files/')) return await handleFile(req, res, url);
      json(res, 404, { error: 'not found' });
    } catch (e) {
      json(res, 400, { errors: [{ message: e instanceof Error ? e.message : String(e) }] });
    }
  });

  async function handleGraphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const payload = JSON.parse((await body(req)).toString('utf8')) as { query: string; variables?: Record<string, unknown>; operationName?: string };
    const ctx: Ctx = { store, baseUrl };
    const result = await graphql({
      schema: loadSchema(),
      source: payload.query,
      rootValue,
      fieldResolver,
      contextValue: ctx,
      variableValues: payload.variables,
      // wandb-core always sends operationName, as "" for pass-through queries; "" means none.
      operationName: payload.operationName || undefined,
    });
    operations.push(operationName(payload.query));
    json(res, 200, result);
  }

  /** POST /files/<entity>/<project>/<run>/file_stream, as wandb-core's filestream sends it. */
  async function handleFileStream(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [entity, project, runName] = url.pathname.slice('/files/'.length).split('/').map(decodeURIComponent);
    const raw = await body(req);
    fileStreams.push(`${entity}/${project}/${runName}`);
    const wait = throttle.take();
    if (wait !== null) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) });
      res.end(JSON.stringify({ error: 'rate limit exceeded' }));
      return;
    }
    const run = entity && project && runName ? store.run(entity, project, runName) : null;
    if (!run) return json(res, 404, { error: `run ${entity}/${project}/${runName} not found` });
    try {
      const decoded = decodeFileStream(raw, req.headers['content-encoding']);
      await api.beforeFileStream(`${entity}/${project}/${runName}`, decoded);
      applyFileStream(run, decoded);
    } catch (e) {
      if (e instanceof FileStreamError || e instanceof SyntaxError) return json(res, 400, { error: e.message });
      throw e;
    }
    json(res, 200, FILE_STREAM_ANSWER);
  }

  async function handleFile(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [entity, project, runName, ...rest] = url.pathname.slice('/files/'.length).split('/').map(decodeURIComponent);
    const run = entity && project && runName ? store.run(entity, project, runName) : null;
    const name = rest.join('/');
    if (!run || !name) return json(res, 404, { error: 'not found' });
    if (req.method === 'PUT') {
      // Like a signed URL: only names createRunFiles issued can be uploaded. The upload makes the
      // file visible at once, as W&B's object-store notification does.
      const issued = run.files.get(name);
      if (!issued) return json(res, 403, { error: 'no upload URL was issued for this file' });
      // Streamed to disk and hashed on the way, so an upload of any size costs no memory. Only a
      // complete body replaces the file: an aborted PUT leaves it as it was, as an object store does.
      const diskPath = join(uploadDir, `upload-${++uploads}`);
      const md5 = createHash('md5');
      let size = 0;
      try {
        await pipeline(
          req,
          new Transform({
            transform(chunk: Buffer, _enc, done) {
              md5.update(chunk);
              size += chunk.length;
              done(null, chunk);
            },
          }),
          createWriteStream(diskPath),
        );
      } catch (e) {
        await rm(diskPath, { force: true });
        throw e;
      }
      if (issued.diskPath) await rm(issued.diskPath, { force: true });
      Object.assign(issued, { bytes: null, diskPath, size, md5: md5.digest('base64'), pending: false, updatedAt: isoNoZone(new Date()) });
      res.writeHead(200).end();
      return;
    }
    const file = run.files.get(name);
    if (req.method !== 'GET' || !file || file.pending) return json(res, 404, { error: 'not found' });
    res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.size) });
    if (file.diskPath) await pipeline(createReadStream(file.diskPath), res);
    else res.end(file.bytes);
  }

  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  api.url = baseUrl;
  return api;
}

/** The operation's name (`query Runs(...)`), else its first root field, for counting. */
function operationName(query: string): string {
  return query.match(/^\s*(?:query|mutation)\s+([A-Za-z_]\w*)/)?.[1] ?? query.match(/\{\s*([A-Za-z_]\w*)/)?.[1] ?? '?';
}
