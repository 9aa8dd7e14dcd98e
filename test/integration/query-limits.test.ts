import { buildTestApp, errorCodes, type TestApp } from '../helpers/test-app';

/** Limits are checked before any resolver runs: every refusal here must cost zero upstream calls. */
describe('query limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    const url = process.env.MLGATE_TEST_MLFLOW_URL;
    if (!url) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
    app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: url, MLGATE_MAX_DEPTH: '6', MLGATE_MAX_ALIASES: '3', MLGATE_MAX_COST: '100', MLGATE_MAX_TOKENS: '400', MLGATE_MAX_BODY_BYTES: '20000' } });
  });
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  const refusal = async (query: string, variables?: Record<string, unknown>) => {
    const res = await app.gql(query, variables);
    expect(app.calls.count()).toBe(0);
    return { codes: errorCodes(res), message: res.errors?.[0]?.message ?? '', limit: res.errors?.[0]?.extensions?.limit };
  };

  it('refuses a query deeper than the limit, naming it', async () => {
    const r = await refusal(`{ projects { nodes { runs { nodes { project { runs { nodes { name } } } } } } } }`);
    expect(r).toMatchObject({ codes: ['BAD_USER_INPUT'], limit: 'depth' });
    expect(r.message).toMatch(/levels deep; the limit is 6/);
  });

  it('refuses too many aliases', async () => {
    const r = await refusal(`{ a: projects { nodes { name } } b: projects { nodes { name } } c: projects { nodes { name } } d: projects { nodes { name } } }`);
    expect(r).toMatchObject({ codes: ['BAD_USER_INPUT'], limit: 'aliases' });
  });

  it('refuses a query whose upstream cost is over the limit, such as a history scan of every run of a large page', async () => {
    const r = await refusal(`query($n: Int) { runs(projectId: "x", first: $n) { nodes { historyScan { rows { step } } } } }`, { n: 500 });
    expect(r).toMatchObject({ codes: ['BAD_USER_INPUT'], limit: 'cost' });
    expect(r.message).toMatch(/up to 1001 upstream requests; the limit is 100/);
  });

  it('refuses a document with too many tokens while parsing', async () => {
    const fields = Array.from({ length: 500 }, () => 'name').join(' ');
    const r = await refusal(`{ projects { nodes { ${fields} } } }`);
    expect(r.codes).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(r.message).toMatch(/400 tokens/);
  });

  it('refuses an oversized body with 413 and no upstream call', async () => {
    const res = await app.http.post('/graphql').set('content-type', 'application/json').send({ query: `{ projects { nodes { name } } }`, variables: { pad: 'x'.repeat(30_000) } });
    expect(res.status).toBe(413);
    expect(app.calls.count()).toBe(0);
  });

  it('lets a query within every limit through', async () => {
    const res = await app.gql(`{ projects(first: 5) { nodes { name } } }`);
    expect(res.errors).toBeUndefined();
    expect(app.calls.byOp()).toEqual({ 'mlflow.experiments.search': 1 });
  });

  it('keeps CSRF prevention on: a simple cross-site request (text/plain POST, GET without a preflight header) is refused unexecuted', async () => {
    const query = '{ projects(source: "mlflow") { nodes { name } } }';
    const plain = await app.http.post('/graphql').set('content-type', 'text/plain').send(JSON.stringify({ query }));
    const form = await app.http.post('/graphql').set('content-type', 'application/x-www-form-urlencoded').send(`query=${encodeURIComponent(query)}`);
    const simpleGet = await app.http.get(`/graphql?query=${encodeURIComponent(query)}`);
    for (const res of [plain, form, simpleGet]) {
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/CSRF|preflight/i);
    }
    expect(app.calls.count()).toBe(0);
    // The same GET with the header a browser cannot add cross-site without a preflight is served.
    const preflighted = await app.http.get(`/graphql?query=${encodeURIComponent(query)}`).set('apollo-require-preflight', 'true');
    expect(preflighted.status).toBe(200);
  });
});

describe('production defaults', () => {
  it('turns introspection and the IDE off, keeps CSRF prevention on, and allows only listed CORS origins', async () => {
    const url = process.env.MLGATE_TEST_MLFLOW_URL ?? '';
    const app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: url, NODE_ENV: 'production', MLGATE_CORS_ORIGINS: 'https://app.example.com' } });
    try {
      expect(errorCodes(await app.gql(`{ __schema { types { name } } }`))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect((await app.http.get('/')).status).toBe(404);
      // A simple GET without a preflight-forcing header is refused by CSRF prevention.
      const csrf = await app.http.get('/graphql').query({ query: '{ projects { nodes { name } } }' });
      expect(csrf.status).toBe(400);
      const allowed = await app.http.options('/graphql').set('origin', 'https://app.example.com').set('access-control-request-method', 'POST');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const other = await app.http.options('/graphql').set('origin', 'https://evil.example.com').set('access-control-request-method', 'POST');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(app.calls.count()).toBe(0);
    } finally {
      await app.stop();
    }
  });
});
