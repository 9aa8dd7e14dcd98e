/**
 * A page of 50 W&B runs with config, summary, tags and sweep: the wandb SDK's lazy `api.runs()`
 * against the gateway, on the same W&B protocol server in the same run. Prints upstream request
 * counts, wall times and their ratios. Run with `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { encodeId } from '../src/ids';
import { CallLog } from '../src/sources/upstream';
import { testSeed } from '../test/wandb-server/seed';
import { startWandbServer } from '../test/wandb-server/server';

const KEY = 'local-mlgatebenchkey0123456789abcdefghijklmnopq';
/** Bundled into .cache/ to run, so the repo root comes from the runner, not from __dirname. */
const ROOT = process.env.MLGATE_ROOT ?? process.cwd();
const REPEATS = 5;

const SDK_SCRIPT = `
import time, wandb
api = wandb.Api(timeout=60)
t = time.perf_counter()
rows = [(r.id, dict(r.config), dict(r.summary), list(r.tags), r.sweep_name) for r in api.runs("mlgate/bulk", per_page=50)[:50]]
print(len(rows), time.perf_counter() - t)
`;

async function main(): Promise<void> {
  const server = await startWandbServer({ seed: testSeed(), apiKey: KEY });
  const env = { ...process.env, WANDB_BASE_URL: server.url, WANDB_API_KEY: KEY, WANDB_ERROR_REPORTING: 'false', WANDB_SILENT: 'true' };

  server.operations.length = 0;
  // Asynchronous: the W&B server answering the SDK lives in this process.
  const sdk = spawn(join(ROOT, '.venv', 'bin', 'python'), ['-c', SDK_SCRIPT], { env });
  let out = '';
  let err = '';
  sdk.stdout.on('data', (d: Buffer) => (out += d.toString()));
  sdk.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const status = await new Promise<number | null>((ok) => sdk.on('exit', ok));
  if (status !== 0) throw new Error(`SDK run failed (${status}): ${err.slice(-2000)}`);
  const [sdkRows, sdkSeconds] = out.trim().split(/\s+/).map(Number);
  // Everything but the SDK's start-up (credential check and default entity) reads runs.
  const sdkRunRequests = server.operations.filter((op) => !['Viewer', 'GetDefaultEntity', 'ServerFeaturesQuery'].includes(op)).length;
  console.log(`SDK requests by operation: ${JSON.stringify(server.operations.reduce<Record<string, number>>((a, op) => ({ ...a, [op]: (a[op] ?? 0) + 1 }), {}))}`);

  const calls = new CallLog();
  const built = await createApp({ config: loadConfig({ WANDB_BASE_URL: server.url, WANDB_API_KEY: KEY, MLGATE_CACHE: 'off' }), recorder: calls, logger: createLogger('silent') });
  const query = `query($p: ID!) { runs(projectId: $p, first: 50) { nodes { sourceId config summary tags { key } sweepName } } }`;
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < REPEATS; i++) {
    calls.reset();
    const t = performance.now();
    const res = await request(built.app).post('/graphql').send({ query, variables: { p: encodeId('Project', 'wandb', 'mlgate/bulk') } });
    times.push((performance.now() - t) / 1000);
    rows = res.body.data.runs.nodes.length;
  }
  const gatewaySeconds = times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)] as number;
  const gatewayRequests = calls.count('wandb.runs');

  console.log(`runs read          SDK ${sdkRows}   gateway ${rows}`);
  console.log(`W&B run requests   SDK ${sdkRunRequests}   gateway ${gatewayRequests}   ratio ${(sdkRunRequests / gatewayRequests).toFixed(1)}x fewer`);
  console.log(`wall time (s)      SDK ${sdkSeconds?.toFixed(3)}   gateway ${gatewaySeconds.toFixed(3)} (median of ${REPEATS})   ratio ${((sdkSeconds ?? 0) / gatewaySeconds).toFixed(1)}x`);
  await built.stop();
  await server.stop();
}

void main();
