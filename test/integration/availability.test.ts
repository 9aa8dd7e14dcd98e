import { createServer } from 'node:net';
import { realMlflowApp } from '../helpers/real-mlflow';
import { buildTestApp, expectNoErrors } from '../helpers/test-app';

/** A loopback port with nothing listening: what a stopped MLflow server looks like. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('health and an unavailable MLflow', () => {
  it('is alive and ready while MLflow answers', async () => {
    const { app } = await realMlflowApp();
    expect((await app.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await app.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', sources: [{ name: 'mlflow', kind: 'MLFLOW', ready: true }] });
    expect(expectNoErrors(await app.gql<{ sources: unknown }>('{ sources { name kind url } }')).sources).toEqual([
      { name: 'mlflow', kind: 'MLFLOW', url: process.env.MLGATE_TEST_MLFLOW_URL },
    ]);
    await app.stop();
  });

  it('answers UPSTREAM_UNAVAILABLE naming the source when MLflow is stopped, and is not ready', async () => {
    const app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${await closedPort()}` } });
    const res = await app.gql('{ projects { nodes { name } } }');
    expect(res.errors).toEqual([
      expect.objectContaining({ path: ['projects'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', source: 'mlflow' }) }),
    ]);
    expect(res.errors?.[0]?.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    const ready = await app.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.sources).toEqual([{ name: 'mlflow', kind: 'MLFLOW', ready: false, code: 'UPSTREAM_UNAVAILABLE' }]);
    await app.stop();
  });
});
