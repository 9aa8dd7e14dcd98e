import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * How the proxy treats a request: pass it on; hold it and never answer (`stall`); drop the
 * connection with a TCP reset (`reset`); answer 500, 503 or 429 itself, with a body echoing the
 * request's credentials (which must never reach a client or a log); answer 200 with broken JSON.
 */
export type FaultMode = 'pass' | 'stall' | 'reset' | '400' | '500' | '503' | '429' | 'malformed';

export interface FaultOptions {
  /** `Retry-After` of 429 answers (default `1`) and of 503 answers (default none). */
  retryAfter?: string;
  /** Only requests whose path matches are faulted; the others pass. */
  only?: RegExp;
  /** Fault this many matching requests, then pass (default: all). */
  times?: number;
}

export interface ProxyHit {
  method: string;
  path: string;
  /** performance.now() when the request arrived. */
  at: number;
  mode: FaultMode;
}

/** Marks every body the proxy makes up, so tests can assert it never reaches a client. */
export const PROXY_MARKER = 'FAULT-PROXY-BODY-7c1e';

/** An HTTP proxy in front of one upstream whose failure mode tests switch at run time; it counts every request. */
export class FaultProxy {
  readonly hits: ProxyHit[] = [];
  private mode: FaultMode = 'pass';
  private opts: FaultOptions = {};
  private faulted = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => proxy?.handle(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    proxy = new FaultProxy(server, new URL(target), `http://127.0.0.1:${port}`);
    return proxy;
  }

  set(mode: FaultMode, opts: FaultOptions = {}): void {
    this.mode = mode;
    this.opts = opts;
    this.faulted = 0;
  }

  /** Requests seen, optionally only those whose path matches. */
  count(path?: RegExp): number {
    return this.hits.filter((h) => !path || path.test(h.path)).length;
  }

  reset(): void {
    this.hits.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private modeFor(req: IncomingMessage): FaultMode {
    const { only, times } = this.opts;
    if (this.mode === 'pass' || (only && !only.test(req.url ?? ''))) return 'pass';
    if (times !== undefined && this.faulted >= times) return 'pass';
    this.faulted += 1;
    return this.mode;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const mode = this.modeFor(req);
    this.hits.push({ method: req.method ?? 'GET', path: req.url ?? '/', at: performance.now(), mode });
    const echo = JSON.stringify({ error_code: 'INTERNAL_ERROR', message: `${PROXY_MARKER} authorization=${req.headers.authorization ?? ''}`, errors: [{ message: `${PROXY_MARKER} ${req.headers.authorization ?? ''}` }] });
    switch (mode) {
      case 'pass':
        return this.pass(req, res);
      case 'stall':
        // Read the request so the client sees it accepted, then never answer.
        req.resume();
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"experiments": [ <html>${PROXY_MARKER}`);
        return;
      case '429':
      case '503': {
        const retryAfter = mode === '429' ? this.opts.retryAfter ?? '1' : this.opts.retryAfter;
        res.writeHead(Number(mode), { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
        res.end(echo);
        return;
      }
      case '400':
      case '500':
        res.writeHead(Number(mode), { 'content-type': 'application/json' });
        res.end(echo);
    }
  }

  private pass(req: IncomingMessage, res: ServerResponse): void {
    const upstream = forward(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.target.host }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
