import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router, type Response } from 'express';

export interface IdeExample {
  name: string;
  query: string;
  variables?: string;
}

export interface IdeOptions {
  assetsDir: string;
  endpointPath: string;
  examples: IdeExample[];
  title?: string;
}

/** Everything comes from this origin; GraphiQL injects styles, hence 'unsafe-inline' for styles only. */
export const IDE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, string> = { 'graphiql.js': 'text/javascript; charset=utf-8', 'graphiql.css': 'text/css; charset=utf-8' };

/** Example operations are `.graphql` files; a `# variables: {...}` comment line supplies variables. */
export function loadExamples(dir: string): IdeExample[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const variables = text.match(/^#\s*variables:\s*(.+)$/m)?.[1]?.trim();
      return { name: file.replace(/^\d+-/, '').replace(/\.graphql$/, ''), query: text, ...(variables ? { variables: JSON.stringify(JSON.parse(variables), null, 2) } : {}) };
    });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(opts: IdeOptions): string {
  // `<` is escaped so no example text can close the script element.
  const data = JSON.stringify(opts.examples).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title ?? 'GraphiQL')}</title>
<link rel="stylesheet" href="/ide/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading…</div>
<script type="application/json" id="mlgate-examples">${data}</script>
<script src="/ide/graphiql.js"></script>
</body>
</html>
`;
}

function missing(res: Response): void {
  res.status(503).type('text/plain').send('The IDE is not built: run `npm run build:ide`.');
}

/**
 * GraphiQL at `GET <endpointPath>` for browsers. GraphQL-over-GET (a `query` parameter) and
 * non-HTML requests fall through to the GraphQL server.
 */
export function ideRouter(opts: IdeOptions): Router {
  const router = Router();
  router.get(opts.endpointPath, (req, res, next) => {
    if (req.query.query !== undefined || req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    if (!existsSync(join(opts.assetsDir, 'graphiql.js'))) return missing(res);
    res.setHeader('content-security-policy', IDE_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(page(opts));
  });
  router.get('/ide/:asset', (req, res, next) => {
    const type = ASSETS[req.params.asset];
    if (!type) return next();
    const file = join(opts.assetsDir, req.params.asset);
    if (!existsSync(file)) return missing(res);
    res.setHeader('content-type', type);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'public, max-age=3600');
    res.send(readFileSync(file));
  });
  return router;
}
