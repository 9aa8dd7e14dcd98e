import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';
import type { SeedRun } from '../wandb-server/store';
import { buildTestApp, type TestApp } from './test-app';

/** A key in the wandb SDK's accepted format: a prefix and at least 40 word characters. */
export const TEST_WANDB_KEY = 'local-mlgatetestkey0123456789abcdefghijklmnopqrs';

/** The gateway wired to a fresh W&B protocol server and to the run's real MLflow server. */
export async function wandbApp(): Promise<{ app: TestApp; wandb: WandbServer }> {
  const wandb = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
  const mlflow = process.env.MLGATE_TEST_MLFLOW_URL;
  if (!mlflow) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
  const app = await buildTestApp({ env: { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, MLFLOW_TRACKING_URI: mlflow } });
  return { app, wandb };
}

export function seededRun(project: string, name: string): SeedRun {
  const run = testSeed().projects.find((p) => p.name === project)?.runs.find((r) => r.name === name);
  if (!run) throw new Error(`seed has no run ${project}/${name}`);
  return run;
}
