import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { sha256 } from '../../src/security/trusted-documents';
import { buildTestApp, errorCodes, type TestApp } from '../helpers/test-app';

const PROJECTS = 'query Projects { projects(source: "mlflow", first: 2) { nodes { name } } }';
const SOURCES = 'query Sources { sources { name } }';
const UNLISTED = '{ projects(source: "mlflow", first: 1) { nodes { id } } }';

function manifest(dir: string, operations: Array<{ id: string; body: string }>): string {
  const path = join(dir, `manifest-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  return path;
}

describe('trusted documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlgate-trusted-'));
  const mlflow = process.env.MLGATE_TEST_MLFLOW_URL ?? '';
  const path = manifest(dir, [PROJECTS, SOURCES].map((body) => ({ id: sha256(body), body })));
  let app: TestApp;
  const post = (body: unknown) => app.http.post('/graphql').set('content-type', 'application/json').send(body as object);

  beforeAll(async () => {
    if (!mlflow) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
    app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: mlflow, MLGATE_TRUSTED_DOCUMENTS: path } });
  });
  afterAll(() => app?.stop());
  beforeEach(() => app.calls.reset());

  it('runs a listed document sent by its sha256Hash alone, in a POST and in a GET', async () => {
    const res = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(PROJECTS) } } });
    expect([res.status, errorCodes(res.body)]).toEqual([200, []]);
    expect(res.body.data.projects.nodes.length).toBeGreaterThan(0);
    expect(app.calls.count()).toBeGreaterThan(0);
    const ext = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(SOURCES) } }));
    const viaGet = await app.http.get(`/graphql?extensions=${ext}`).set('apollo-require-preflight', 'true');
    expect(viaGet.body).toEqual({ data: { sources: [{ name: 'mlflow' }] } });
  });

  it('runs a listed document sent in full', async () => {
    const res = await post({ query: SOURCES });
    expect(res.body).toEqual({ data: { sources: [{ name: 'mlflow' }] } });
  });

  it('refuses any other document before parsing it, with PERSISTED_QUERY_NOT_FOUND and no upstream call', async () => {
    for (const body of [{ query: UNLISTED }, { query: `${PROJECTS} ` }, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(UNLISTED) } } }, { query: '{' }]) {
      const res = await post(body);
      expect([res.status, errorCodes(res.body)]).toEqual([400, ['PERSISTED_QUERY_NOT_FOUND']]);
    }
    const viaGet = await app.http.get(`/graphql?query=${encodeURIComponent(UNLISTED)}`).set('apollo-require-preflight', 'true');
    expect(errorCodes(viaGet.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(app.calls.count()).toBe(0);
  });

  it('refuses a hash sent with another document, and does not let clients register documents (APQ)', async () => {
    const mismatch = await post({ query: UNLISTED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SOURCES) } } });
    expect([mismatch.status, errorCodes(mismatch.body)]).toEqual([400, ['BAD_USER_INPUT']]);
    // An APQ registration (document plus its own hash) of an unlisted document is refused, and stays refused.
    const register = await post({ query: UNLISTED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(UNLISTED) } } });
    expect(errorCodes(register.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(errorCodes((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(UNLISTED) } } })).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(app.calls.count()).toBe(0);
  });

  it('in allow-unlisted mode runs other documents and logs their hash', async () => {
    const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
    const capture = (msg: string, fields: Record<string, unknown> = {}) => lines.push({ msg, fields });
    const open = await buildTestApp({ env: { MLFLOW_TRACKING_URI: mlflow, MLGATE_TRUSTED_DOCUMENTS: path, MLGATE_TRUSTED_DOCUMENTS_MODE: 'allow-unlisted' }, logger: { debug: () => {}, info: () => {}, warn: capture, error: capture } });
    try {
      const res = await open.http.post('/graphql').set('content-type', 'application/json').send({ query: UNLISTED });
      expect(errorCodes(res.body)).toEqual([]);
      expect(lines).toContainEqual({ msg: 'untrusted document executed', fields: expect.objectContaining({ sha256: sha256(UNLISTED) }) });
    } finally {
      await open.stop();
    }
  });

  it('refuses to start on a manifest that is missing, not JSON, of another format, or whose ids are not the hashes of their bodies', () => {
    const env = (file: string, mode?: string) => ({ MLFLOW_TRACKING_URI: 'http://h', MLGATE_TRUSTED_DOCUMENTS: file, ...(mode ? { MLGATE_TRUSTED_DOCUMENTS_MODE: mode } : {}) });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ [sha256(SOURCES)]: SOURCES }));
    expect(() => loadConfig(env(join(dir, 'missing.json')))).toThrow(/^MLGATE_TRUSTED_DOCUMENTS: cannot read/);
    expect(() => loadConfig(env(bad))).toThrow(/^MLGATE_TRUSTED_DOCUMENTS: cannot read the manifest as JSON/);
    expect(() => loadConfig(env(other))).toThrow(/apollo-persisted-query-manifest/);
    expect(() => loadConfig(env(manifest(dir, [{ id: sha256(SOURCES), body: PROJECTS }])))).toThrow(/operation 0's id is not the SHA-256 of its body/);
    expect(() => loadConfig(env(path, 'sometimes'))).toThrow(/^MLGATE_TRUSTED_DOCUMENTS_MODE must be/);
    expect(loadConfig(env(path)).trustedDocuments?.mode).toBe('enforce');
  });
});
