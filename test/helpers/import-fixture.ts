import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMlflowServer, type MlflowServer } from './mlflow-server';
import type { MemoryDestination } from './memory-destination';
import { pythonFileJson } from './python';

export interface ImportSeed {
  experiments: Record<'import-alpha' | 'import-beta' | 'import-long', string>;
  runs: number;
  long: string[];
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

/** What the destination holds of one project, as check_import.py reads it. */
export function dumpProject(dest: MemoryDestination, entity: string, project: string, path: string, group?: string): string {
  const out: Record<string, unknown> = {};
  for (const [key, run] of dest.runs) {
    if (!key.startsWith(`${entity}/${project}/`) || (group && run.spec.group !== group)) continue;
    out[run.spec.runId] = {
      spec: run.spec,
      summary: { ...run.spec.summary, ...run.summary },
      history: run.history,
      exitCode: run.exitCode,
      files: Object.fromEntries([...run.files].map(([p, b]) => [p, createHash('sha256').update(b).digest('hex')])),
    };
  }
  writeFileSync(path, JSON.stringify(out));
  return path;
}

export interface CheckResult {
  runs: number;
  points: number;
  files: number;
  mismatches: unknown[];
}

export function checkImport(trackingUri: string, destJson: string, experiments: string[], opts: { skip?: string[]; files?: boolean } = {}): Promise<CheckResult> {
  const args = ['--tracking-uri', trackingUri, '--dest-json', destJson, '--experiments', experiments.join(',')];
  for (const s of opts.skip ?? []) args.push('--skip', s);
  if (opts.files) args.push('--files');
  return pythonFileJson<CheckResult>('check_import.py', args, { MLFLOW_DISABLE_TELEMETRY: 'true' });
}
