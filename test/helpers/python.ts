import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './mlflow-server';
import { TEST_WANDB_KEY } from './wandb';

/**
 * Runs a Python script with the project's venv (the real `wandb`, `wandb-workspaces` and `mlflow`)
 * and returns the JSON its last stdout line holds. For read-backs: what the real clients see after
 * the gateway wrote.
 */
export async function pythonJson<T = unknown>(script: string, env: Record<string, string> = {}): Promise<T> {
  return pythonArgsJson<T>(['-c', script], env);
}

/** Like pythonJson, for a script file of python/ with arguments. */
export function pythonFileJson<T = unknown>(file: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  return pythonArgsJson<T>([join(repoRoot(), 'python', file), ...args], env);
}

async function pythonArgsJson<T>(argv: string[], env: Record<string, string>): Promise<T> {
  const home = mkdtempSync(join(tmpdir(), 'mlgate-py-'));
  try {
    const child = spawn(join(repoRoot(), '.venv', 'bin', 'python'), argv, {
      env: {
        ...process.env,
        // No Sentry, analytics or telemetry probes: the network here is loopback only.
        WANDB_ERROR_REPORTING: 'false',
        WANDB_SILENT: 'true',
        MLFLOW_DISABLE_TELEMETRY: 'true',
        HOME: home,
        WANDB_CONFIG_DIR: join(home, 'config'),
        WANDB_CACHE_DIR: join(home, 'cache'),
        WANDB_DATA_DIR: join(home, 'data'),
        WANDB_DIR: home,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    if (code !== 0) throw new Error(`python exited with ${code}:\n${err.slice(-4000)}`);
    const last = out.trim().split('\n').pop() ?? '';
    return JSON.parse(last) as T;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The environment that points the wandb SDK at a W&B protocol test server. */
export const wandbEnv = (url: string): Record<string, string> => ({ WANDB_BASE_URL: url, WANDB_API_KEY: TEST_WANDB_KEY });
