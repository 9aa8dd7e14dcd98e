import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedMlflow, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

/** One real MLflow server for the whole run, seeded once; workers read its URL and manifest from env. */
export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const server = await startMlflowServer();
  const t1 = Date.now();
  const manifest = join(mkdtempSync(join(tmpdir(), 'mlgate-manifest-')), 'manifest.json');
  try {
    await seedMlflow(server.url, 'test', manifest);
  } catch (e) {
    await server.stop();
    throw e;
  }
  (globalThis as { __mlflow?: MlflowServer }).__mlflow = server;
  process.env.MLGATE_TEST_MLFLOW_URL = server.url;
  process.env.MLGATE_TEST_MANIFEST = manifest;
  process.stdout.write(`\nreal MLflow: started in ${((t1 - t0) / 1000).toFixed(1)} s, seeded in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
}
