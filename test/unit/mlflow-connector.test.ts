import { CallLog } from '../../src/sources/upstream';
import { MlflowClient, errorFromResponse } from '../../src/sources/mlflow/mlflow-client';
import type { MlflowSourceConfig } from '../../src/config';
import { GatewayError } from '../../src/errors';
import { FakeFetch } from '../helpers/fake-fetch';

const config = (over: Partial<MlflowSourceConfig> = {}): MlflowSourceConfig => ({
  kind: 'mlflow',
  name: 'prod',
  url: 'http://mlflow.test:5000',
  auth: { type: 'none' },
  timeoutMs: 200,
  credentials: 'service',
  ...over,
});

function client(fake: FakeFetch, over?: Partial<MlflowSourceConfig>) {
  const calls = new CallLog();
  return { calls, client: new MlflowClient(config(over), { fetch: fake.fetch, recorder: calls }) };
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; source: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return { code: e.code, source: e.extensions.source, message: e.message };
    throw e;
  }
  throw new Error('expected a GatewayError');
}

describe('MLflow client', () => {
  it('searches runs with a POST body that always carries max_results and a token for the offset', async () => {
    const fake = new FakeFetch().on('POST', '/api/2.0/mlflow/runs/search', { json: {} });
    const { client: c, calls } = client(fake);
    await c.searchRuns({ experimentIds: ['7'], filter: "params.lr = '0.1'", orderBy: ['metrics.acc DESC'], offset: 40, maxResults: 21, viewType: 'ACTIVE_ONLY' });
    const [req] = fake.requests;
    expect(req?.url.toString()).toBe('http://mlflow.test:5000/api/2.0/mlflow/runs/search');
    expect(req?.body).toEqual({
      experiment_ids: ['7'],
      filter: "params.lr = '0.1'",
      order_by: ['metrics.acc DESC'],
      max_results: 21,
      page_token: Buffer.from('{"offset":40}').toString('base64'),
      run_view_type: 'ACTIVE_ONLY',
    });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(calls.byOp()).toEqual({ 'mlflow.runs.search': 1 });
  });

  it('sends no page token for the first page', async () => {
    const fake = new FakeFetch().on('POST', '/api/2.0/mlflow/runs/search', { json: {} });
    await client(fake).client.searchRuns({ experimentIds: ['1'], filter: null, orderBy: null, offset: 0, maxResults: 5, viewType: 'ALL' });
    expect(fake.requests[0]?.body).toEqual({ experiment_ids: ['1'], max_results: 5, run_view_type: 'ALL' });
  });

  it('repeats run_ids in the bulk history query string', async () => {
    const fake = new FakeFetch().on('GET', '/api/2.0/mlflow/metrics/get-history-bulk-interval', { json: {} });
    await client(fake).client.getHistoryBulkInterval({ runIds: ['a', 'b'], key: 'val loss', maxResults: 300, startStep: 0, endStep: 99 });
    expect(fake.requests[0]?.url.search).toBe('?run_ids=a&run_ids=b&metric_key=val+loss&max_results=300&start_step=0&end_step=99');
  });

  it('sends a bearer token, or basic credentials, as the mlflow client does', async () => {
    const fake = new FakeFetch().on('GET', '/health', { text: 'OK', headers: {} });
    await client(fake, { auth: { type: 'bearer', token: 't0k' } }).client.health();
    await client(fake, { auth: { type: 'basic', username: 'u', password: 'p' } }).client.health();
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t0k', `Basic ${Buffer.from('u:p').toString('base64')}`]);
  });

  it.each([
    [400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid clause(s) in filter string' }, 'BAD_USER_INPUT'],
    [401, 'Unauthorized', 'UNAUTHENTICATED'],
    [403, 'Invalid Host header - possible DNS rebinding attack detected', 'FORBIDDEN'],
    [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run x not found' }, 'NOT_FOUND'],
    [404, '<html>Not Found</html>', 'UPSTREAM_ERROR'],
    [429, { error_code: 'REQUEST_LIMIT_EXCEEDED' }, 'UPSTREAM_UNAVAILABLE'],
    [500, { error_code: 'INTERNAL_ERROR', message: 'secret stack' }, 'UPSTREAM_ERROR'],
    [503, 'artifacts disabled', 'UPSTREAM_UNAVAILABLE'],
  ])('maps HTTP %s to %s with the source named', async (status, body, code) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const fake = new FakeFetch().on('GET', '/api/2.0/mlflow/runs/get', { status, text });
    const { client: c, calls } = client(fake);
    const err = await codeOf(c.getRun('x'));
    expect(err).toMatchObject({ code, source: 'prod' });
    expect(calls.calls).toEqual([expect.objectContaining({ op: 'mlflow.runs.get', status, outcome: 'http_error' })]);
  });

  it('keeps a 400 message (it explains the caller\'s input) but never a 5xx body', () => {
    expect(errorFromResponse('s', 400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad filter"}').message).toContain('bad filter');
    expect(errorFromResponse('s', 500, '{"message":"Traceback: password=hunter2"}').message).not.toContain('hunter2');
  });

  it('reports an unreachable server as UPSTREAM_UNAVAILABLE', async () => {
    const fake = new FakeFetch().on('GET', '/api/2.0/mlflow/runs/get', new TypeError('fetch failed'));
    const { client: c, calls } = client(fake);
    expect(await codeOf(c.getRun('x'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'prod' });
    expect(calls.calls[0]).toMatchObject({ outcome: 'unreachable', status: null });
  });

  it('gives up at the deadline', async () => {
    const fake = new FakeFetch();
    const stalled = async (_: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const calls = new CallLog();
    const c = new MlflowClient(config({ timeoutMs: 50 }), { fetch: stalled, recorder: calls });
    const err = await codeOf(c.getRun('x'));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain('50 ms');
    expect(calls.calls[0]?.outcome).toBe('timeout');
    expect(fake.requests).toHaveLength(0);
  });

  it('treats a 200 that is not JSON as an upstream error', async () => {
    const fake = new FakeFetch().on('GET', '/api/2.0/mlflow/runs/get', { text: '<html>login</html>' });
    expect((await codeOf(client(fake).client.getRun('x'))).code).toBe('UPSTREAM_ERROR');
  });
});
