import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMlflowServer, type MlflowServer } from './mlflow-server';
import { pythonFileJson } from './python';

export interface ImportSeed {
  experiments: Record<'import-alpha' | 'import-beta' | 'import-long', string>;
  runs: number;
  counts: Record<'import-alpha' | 'import-beta' | 'import-long', number>;
  long: string[];
  /** A run whose metrics were all logged at step 0 (no step given). */
  stepless: string;
  bad: string;
  seconds: number;
}

/**
 * A dedicated MLflow server for import tests: its store is seeded by the real mlflow client
 * (python/seed_import.py) before the server starts on it, then served with artifacts.
 */
export async function seededImportMlflow(): Promise<{ server: MlflowServer; seed: ImportSeed; dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlgate-import-'));
  const seed = await pythonFileJson<ImportSeed>('seed_import.py', ['--tracking-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifact-root', join(dir, 'artifacts')]);
  const server = await startMlflowServer({ dir, backendStoreUri: `sqlite:///${join(dir, 'mlflow.db')}` });
  return {
    server,
    seed,
    dir,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CheckResult {
  runs: number;
  points: number;
  rows: number;
  files: number;
  mismatches: unknown[];
}

/** python/check_import.py: the mlflow client and the wandb SDK compare a W&B project with the MLflow experiments it was imported from. */
export function checkImport(
  trackingUri: string,
  wandb: { url: string; apiKey: string; entity: string; project: string },
  experiments: string[],
  opts: { skip?: string[]; files?: boolean } = {},
): Promise<CheckResult> {
  const args = ['--tracking-uri', trackingUri, '--wandb-url', wandb.url, '--entity', wandb.entity, '--project', wandb.project, '--experiments', experiments.join(',')];
  for (const s of opts.skip ?? []) args.push('--skip', s);
  if (opts.files) args.push('--files');
  return pythonFileJson<CheckResult>('check_import.py', args, { MLFLOW_DISABLE_TELEMETRY: 'true', WANDB_API_KEY: wandb.apiKey });
}
