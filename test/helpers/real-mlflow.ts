import { encodeId } from '../../src/ids';
import { loadManifest, type Manifest, type ManifestRun } from './manifest';
import { buildTestApp, type TestApp } from './test-app';

/** The gateway wired to the real MLflow server that the global setup started and seeded. */
export async function realMlflowApp(extraEnv: Record<string, string> = {}): Promise<{ app: TestApp; manifest: Manifest }> {
  const url = process.env.MLGATE_TEST_MLFLOW_URL;
  if (!url) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
  const app = await buildTestApp({ env: { MLFLOW_TRACKING_URI: url, ...extraEnv } });
  return { app, manifest: loadManifest() };
}

export function experimentByName(manifest: Manifest, name: string) {
  const e = manifest.experiments.find((x) => x.name === name);
  if (!e) throw new Error(`seeded experiment ${name} missing from the manifest`);
  return e;
}

export function runByName(manifest: Manifest, name: string): ManifestRun {
  const r = manifest.runs.find((x) => x.name === name);
  if (!r) throw new Error(`seeded run ${name} missing from the manifest`);
  return r;
}

export const projectGid = (experimentId: string) => encodeId('Project', 'mlflow', experimentId);
export const runGid = (run: ManifestRun) => encodeId('Run', 'mlflow', `${run.experimentId}/${run.id}`);
export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
