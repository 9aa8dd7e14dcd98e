import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface MlflowServer {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** MLGATE_ROOT when bundled elsewhere (scripts/run-ts.mjs sets it), else this file's repo. */
export const repoRoot = (): string => process.env.MLGATE_ROOT ?? resolve(__dirname, '..', '..');

/**
 * Keeps the real mlflow processes from calling home (the network here is loopback only), and off
 * MLflow's background job runner (GenAI jobs the gateway never starts): it spawns seven worker
 * processes per server, which slowed every server start on this 2-core machine several-fold.
 */
const QUIET_ENV = { MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true', PYTHONUNBUFFERED: '1', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };

function venvBin(name: string): string {
  const bin = join(repoRoot(), '.venv', 'bin', name);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/venv.sh (make test does) to install the pinned mlflow.`);
  return bin;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** Without keep-alive: a pooled socket would hold jest's main process open after the run. */
function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

function tail(lines: string[]): string {
  return lines.join('').split('\n').slice(-25).join('\n');
}

/** Starts a real `mlflow server` on a free loopback port with a SQLite store; throws loudly if it cannot. */
export async function startMlflowServer(opts: { dir?: string; backendStoreUri?: string; appName?: string; env?: Record<string, string> } = {}): Promise<MlflowServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mlgate-mlflow-'));
  const port = await freePort();
  const args = ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
  args.push('--backend-store-uri', opts.backendStoreUri ?? `sqlite:///${join(dir, 'mlflow.db')}`);
  args.push('--artifacts-destination', join(dir, 'artifacts'));
  if (opts.appName) args.push('--app-name', opts.appName);
  // Detached: its own process group, so stop() also ends the uvicorn workers.
  const child: ChildProcess = spawn(venvBin('mlflow'), args, { cwd: dir, detached: true, env: { ...process.env, ...QUIET_ENV, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((ok) => child.once('exit', ok));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      // unref: a pending grace timer must not keep jest's main process alive.
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000).unref())]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Ended on SIGTERM.
      }
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${tail(output)}`);
    if (await healthy(`${url}/health`)) return { url, port, dir, stop };
    await new Promise((ok) => setTimeout(ok, 300));
  }
  await stop();
  throw new Error(`mlflow server did not answer /health within 120 s:\n${tail(output)}`);
}

/** Seeds through the real mlflow client (python/seed_mlflow.py) and waits for its manifest. */
export async function seedMlflow(url: string, profile: 'test' | 'demo', manifestPath: string): Promise<void> {
  const script = join(repoRoot(), 'python', 'seed_mlflow.py');
  const child = spawn(venvBin('python'), [script, '--tracking-uri', url, '--profile', profile, '--manifest', manifestPath], {
    env: { ...process.env, ...QUIET_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const code = await new Promise<number | null>((ok) => child.on('exit', ok));
  if (code !== 0) throw new Error(`seeding MLflow failed (exit ${code}):\n${tail(output)}`);
}
