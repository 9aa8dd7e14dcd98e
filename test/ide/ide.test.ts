import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDE_CSP } from '../../src/ide/ide-route';
import { FakeFetch } from '../helpers/fake-fetch';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const ROOT = join(__dirname, '..', '..');
const CDN_URL = /(?:https?:)?\/\/(?:unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|esm\.sh|esm\.run|cdn\.skypack\.dev)/;

describe('the offline GraphQL IDE', () => {
  let app: TestApp;
  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ide.mjs')]);
    app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: 'http://mlflow.test' }, fetch: new FakeFetch().fetch });
  });
  afterAll(() => app.stop());

  it('serves GraphiQL at GET /graphql to browsers, under a CSP that allows only this origin', async () => {
    const res = await app.http.get('/graphql').set('accept', 'text/html,application/xhtml+xml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toBe(IDE_CSP);
    for (const directive of IDE_CSP.split('; ')) expect(directive).not.toMatch(/https?:|\*/);
    const refs = [...res.text.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs).toEqual(['/ide/graphiql.css', '/ide/graphiql.js']);
    expect(res.text.match(CDN_URL)).toBeNull();
  });

  it('embeds the example operations from src/ide/examples', async () => {
    const res = await app.http.get('/graphql').set('accept', 'text/html');
    const json = res.text.match(/<script type="application\/json" id="mlgate-examples">([\s\S]*?)<\/script>/)?.[1] ?? '[]';
    const examples = JSON.parse(json) as Array<{ name: string; query: string }>;
    expect(examples.map((e) => e.name)).toEqual(['projects-and-runs', 'run-details', 'filter-and-order', 'model-registry', 'wandb-sweep']);
    expect(examples[0]?.query).toContain('query ProjectsAndRuns');
  });

  it('serves the bundled assets, which reference no other origin', async () => {
    const js = await app.http.get('/ide/graphiql.js');
    const css = await app.http.get('/ide/graphiql.css');
    expect([js.status, css.status]).toEqual([200, 200]);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    const cssText = readFileSync(join(ROOT, 'ide-dist', 'graphiql.css'), 'utf8');
    const cssUrls = [...cssText.matchAll(/url\(\s*["']?([^"')]+)/g)].map((m) => m[1] ?? '');
    expect(cssUrls.filter((u) => !u.startsWith('data:') && !u.startsWith('#'))).toEqual([]);
    expect(cssText.match(/@import/)).toBeNull();
    const jsText = readFileSync(join(ROOT, 'ide-dist', 'graphiql.js'), 'utf8');
    // Match results, not toMatch: a failure must not print a megabyte of bundle.
    expect(jsText.match(CDN_URL)).toBeNull();
    expect(jsText.match(/import\(\s*["'`]https?:|fetch\(\s*["'`]https?:|\.src\s*=\s*["'`]https?:/)).toBeNull();
  });

  it('leaves GraphQL over GET and JSON requests to the GraphQL server', async () => {
    const viaGet = await app.http.get('/graphql').query({ query: '{ __typename }' }).set('apollo-require-preflight', 'true');
    expect(viaGet.body).toEqual({ data: { __typename: 'Query' } });
    const json = await app.http.get('/graphql').set('accept', 'application/json');
    expect(json.headers['content-security-policy']).toBeUndefined();
  });
});
