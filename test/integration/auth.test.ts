import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey } from 'jose' with { 'resolution-mode': 'import' };
import { encodeId } from '../../src/ids';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { viewer: `vk-${randomUUID()}`, editor: `ek-${randomUUID()}` };

function keysFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mlgate-keys-')), 'keys.json');
  writeFileSync(file, JSON.stringify([
    { name: 'dash', sha256: sha(KEYS.viewer), role: 'viewer' },
    { name: 'ci', sha256: sha(KEYS.editor), role: 'editor' },
  ]));
  return file;
}

describe('authentication and roles', () => {
  let app: TestApp;
  let jwks: Server;
  let privateKey: CryptoKey;
  const ISSUER = 'https://idp.test';
  let jose: typeof import('jose', { with: { 'resolution-mode': 'import' } });
  beforeAll(async () => {
    // jose is an ES module; this file is compiled to CommonJS.
    jose = await import('jose');
    const pair = await jose.generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((ok) => jwks.listen(0, '127.0.0.1', ok));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
    app = await buildTestApp({
      env: {
        MLFLOW_TRACKING_URI: process.env.MLGATE_TEST_MLFLOW_URL ?? '',
        MLGATE_API_KEYS_FILE: keysFile(),
        MLGATE_JWT_ISSUER: ISSUER,
        MLGATE_JWT_AUDIENCE: 'mlgate',
        MLGATE_JWT_JWKS_URL: jwksUrl,
      },
    });
  });
  afterAll(async () => {
    await app.stop();
    await new Promise((ok) => jwks.close(ok));
  });
  beforeEach(() => app.calls.reset());

  const QUERY = { query: '{ projects(first: 2) { nodes { name } } }' };
  const MUTATION = { query: 'mutation($id: ID!) { setModelVersionAliases(id: $id, add: ["latest"]) { version { version } } }', variables: { id: encodeId('ModelVersion', 'mlflow', 'm/1') } };
  const post = (body: object, headers: Record<string, string> = {}) => app.http.post('/graphql').set('content-type', 'application/json').set(headers).send(body);
  const token = (claims: Record<string, unknown>, opts: { issuer?: string; expires?: string } = {}) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(opts.issuer ?? ISSUER).setAudience('mlgate').setSubject('u-42').setIssuedAt().setExpirationTime(opts.expires ?? '5m').sign(privateKey);

  it('refuses requests without credentials or with a wrong key, with 401 UNAUTHENTICATED and no upstream call', async () => {
    for (const headers of [{}, { 'x-api-key': 'nope' }, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const res = await post(QUERY, headers);
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(app.calls.count()).toBe(0);
    // Health stays open for orchestrators.
    expect((await app.http.get('/healthz')).status).toBe(200);
  });

  it('lets a viewer read but not write: a mutation is FORBIDDEN before any upstream call', async () => {
    const read = await post(QUERY, { 'x-api-key': KEYS.viewer });
    expect(read.body.errors).toBeUndefined();
    app.calls.reset();
    const write = await post(MUTATION, { 'x-api-key': KEYS.viewer });
    expect(write.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(write.body.errors[0].message).toMatch(/needs the editor role; this caller is a viewer/);
    expect(app.calls.count()).toBe(0);
  });

  it('lets an editor write (here: a mutation that then fails its own validation)', async () => {
    const res = await post(MUTATION, { authorization: `Bearer ${KEYS.editor}` });
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('accepts JWTs signed by the issuer\'s JWKS with a role claim, and refuses expired, foreign or role-less ones', async () => {
    const ok = await post(QUERY, { authorization: `Bearer ${await token({ mlgate_role: ['viewer'] })}` });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    const forbidden = await post(MUTATION, { authorization: `Bearer ${await token({ mlgate_role: 'viewer' })}` });
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
    for (const bad of [await token({ mlgate_role: 'admin' }, { expires: '-1m' }), await token({ mlgate_role: 'admin' }, { issuer: 'https://evil.test' }), await token({})]) {
      const res = await post(QUERY, { authorization: `Bearer ${bad}` });
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });
});
