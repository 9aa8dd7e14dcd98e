import type { WandbSourceConfig } from '../../src/config';
import { GatewayError } from '../../src/errors';
import { CallLog } from '../../src/sources/upstream';
import { WandbClient } from '../../src/sources/wandb/wandb-client';
import { appUrl } from '../../src/sources/wandb/to-model';
import { FakeFetch } from '../helpers/fake-fetch';

const KEY = 'local-0123456789012345678901234567890123456789';
const config: WandbSourceConfig = { kind: 'wandb', name: 'team', url: 'http://wandb.test:8080', apiKey: KEY, entity: null, timeoutMs: 500, credentials: 'service' };

function client(fake: FakeFetch) {
  const calls = new CallLog();
  return { calls, client: new WandbClient(config, { fetch: fake.fetch, recorder: calls }) };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; source: unknown }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return { code: e.code, message: e.message, source: e.extensions.source };
    throw e;
  }
  throw new Error('expected a GatewayError');
}

describe('W&B client', () => {
  it('posts the SDK-shaped Runs operation with Basic api:<key> and filters as a JSON string', async () => {
    const fake = new FakeFetch().on('POST', '/graphql', { json: { data: { project: null } } });
    const { client: c, calls } = client(fake);
    await c.runs({ entity: 'e', project: 'p', cursor: null, perPage: 50, order: '-created_at', filters: { 'config.lr': { $gt: 0.1 } } }, true);
    const [req] = fake.requests;
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`);
    const body = req?.body as { query: string; variables: Record<string, unknown> };
    expect(body.query).toMatch(/^query Runs\(\$project: String!, \$entity: String!, \$cursor: String, \$perPage: Int = 50, \$order: String, \$filters: JSONString\)/);
    expect(body.query).toContain('runCount(filters: $filters)');
    expect(body.variables).toEqual({ entity: 'e', project: 'p', cursor: null, perPage: 50, order: '-created_at', filters: '{"config.lr":{"$gt":0.1}}' });
    expect(calls.byOp()).toEqual({ 'wandb.runs': 1 });
  });

  it('batches sampled history of several runs into one aliased document', async () => {
    const fake = new FakeFetch().on('POST', '/graphql', { json: { data: { h0: null, h1: null } } });
    await client(fake).client.sampledHistory([
      { entity: 'e', project: 'p', run: 'a', specs: ['{"keys":["_step","loss"],"samples":5}'] },
      { entity: 'e', project: 'q', run: 'b', specs: ['{"keys":["_step","acc"],"samples":5}'] },
    ]);
    const body = fake.requests[0]?.body as { query: string; variables: Record<string, unknown> };
    expect(body.query).toContain('h1: project(name: $p1, entityName: $e1) { run(name: $r1) { sampledHistory(specs: $s1) } }');
    expect(body.variables).toMatchObject({ p0: 'p', r0: 'a', p1: 'q', r1: 'b' });
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    [{ status: 200, json: { errors: [{ message: 'bad filter' }] } }, true, 'BAD_USER_INPUT'],
    [{ status: 200, json: { errors: [{ message: 'internal' }] } }, false, 'UPSTREAM_ERROR'],
    [{ status: 401, json: { errors: [{ message: 'invalid API key' }] } }, false, 'UNAUTHENTICATED'],
    [{ status: 429, text: 'slow down' }, false, 'UPSTREAM_UNAVAILABLE'],
    [{ status: 500, text: 'oops' }, false, 'UPSTREAM_ERROR'],
  ])('maps %j (caller input: %s) to %s with the source named', async (reply, userInput, code) => {
    const fake = new FakeFetch().on('POST', '/graphql', reply);
    const err = await failure(client(fake).client.runs({ entity: 'e', project: 'p', cursor: null, perPage: 1, order: null, filters: {} }, userInput));
    expect(err).toMatchObject({ code, source: 'team' });
  });

  it('sends the API key only to W&B\'s own origin when downloading', async () => {
    const fake = new FakeFetch().on('GET', '/files/e/p/r/a.txt', { text: 'a', headers: {} }).on('GET', '/bucket/a.txt', { text: 'a', headers: {} });
    const { client: c } = client(fake);
    await c.download('http://wandb.test:8080/files/e/p/r/a.txt');
    await c.download('https://storage.example/bucket/a.txt?sig=1');
    expect(fake.requests.map((r) => [r.url.host, r.headers.authorization ?? null])).toEqual([
      ['wandb.test:8080', `Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`],
      ['storage.example', null],
    ]);
  });

  it('derives the web app URL as the SDK does', () => {
    expect(appUrl('https://api.wandb.ai')).toBe('https://wandb.ai');
    expect(appUrl('https://api.acme.wandb.io')).toBe('https://app.acme.wandb.io');
    expect(appUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });
});
