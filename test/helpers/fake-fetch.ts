import type { FetchFn } from '../../src/sources/upstream';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

type Reply = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> } | Error;
type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

/**
 * A fetch that answers from routes (method + path) and records every request, so unit tests can
 * assert URLs, bodies, headers and exact call counts. Unrouted requests fail the test loudly.
 */
export class FakeFetch {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Array<{ method: string; path: string; handler: Handler }> = [];

  on(method: string, path: string, handler: Handler | Reply): this {
    this.routes.push({ method, path, handler: typeof handler === 'function' ? handler : () => handler });
    return this;
  }

  readonly fetch: FetchFn = async (input, init) => {
    const url = new URL(input);
    const headers = Object.fromEntries(Object.entries((init?.headers as Record<string, string>) ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const req: RecordedRequest = { method: init?.method ?? 'GET', url, headers, body };
    this.requests.push(req);
    const route = this.routes.find((r) => r.method === req.method && r.path === url.pathname);
    if (!route) throw new Error(`FakeFetch: no route for ${req.method} ${url.pathname}`);
    const reply = await route.handler(req);
    if (reply instanceof Error) throw reply;
    const text = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
    return new Response(text, { status: reply.status ?? 200, headers: reply.headers ?? { 'content-type': 'application/json' } });
  };

  paths(): string[] {
    return this.requests.map((r) => `${r.method} ${r.url.pathname}`);
  }
}
