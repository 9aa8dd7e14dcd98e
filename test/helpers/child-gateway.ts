import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { freePort, repoRoot } from './mlflow-server';
import type { GqlResult } from './test-app';

/** Bundles test/helpers/import-child.ts into .cache/ (inside the repo, so schema/ is found upwards). */
export async function bundleChild(): Promise<string> {
  const outDir = join(repoRoot(), '.cache', 'import-child');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'main.js');
  await build({ entryPoints: [join(repoRoot(), 'test', 'helpers', 'import-child.ts')], outfile, bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  return outfile;
}

export interface ChildGateway {
  url: string;
  /** SIGKILL; resolves once the process is gone (reaped). */
  kill(): Promise<void>;
}

/** Starts the bundled gateway with the import settings of the kill-and-resume test; resolves once it listens. */
export async function startChild(main: string, jobsDb: string, env: Record<string, string> = {}): Promise<ChildGateway> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      MLFLOW_TRACKING_URI: env.MLFLOW_TRACKING_URI ?? '',
      MLGATE_CACHE: 'off',
      MLGATE_JOBS_DB: jobsDb,
      // A dead process's lease lapses quickly, so the restarted one takes the job over at once.
      MLGATE_IMPORT_LEASE_MS: '1500',
      MLGATE_IMPORT_POLL_MS: '300',
      MLGATE_IMPORT_HISTORY_CHUNK: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((ok, fail) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && ok());
    child.on('exit', (code) => fail(new Error(`gateway child exited with ${code}: ${err.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function childGql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GqlResult<T>;
}

/** Polls until `f` returns something truthy. */
export async function until<T>(f: () => T | Promise<T>, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}
