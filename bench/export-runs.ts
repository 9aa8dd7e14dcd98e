/**
 * Exporting and filtering a project of thousands of runs: mlgate against the direct clients doing
 * the same job in the same run (the wandb SDK loop and the MlflowClient.search_runs loop that the
 * vendors' docs show for a CSV export, and a filtered query), on the W&B protocol server and a real
 * MLflow server seeded by the mlflow client. Prints wall-time ratios, upstream request counts and
 * peak memory growth, and writes them to bench/results/export-runs.json.
 *
 * `npm run bench:export` (MLGATE_BENCH_RUNS, default 5000). The seeded MLflow database is kept in
 * .cache/ per run count: seeding 5000 runs through the client takes minutes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeId } from '../src/ids';
import { freePort, startMlflowServer } from '../test/helpers/mlflow-server';
import { startWandbServer } from '../test/wandb-server/server';
import { bulkSeed } from './lib/bulk-seed';
import { LogCallCounter, rssMb, run, waitReady, withPeakRss } from './lib/processes';

const ROOT = process.env.MLGATE_ROOT ?? process.cwd();
const RUNS = Number(process.env.MLGATE_BENCH_RUNS ?? 5000);
const KEY = 'local-mlgatebenchkey0123456789abcdefghijklmnopq';
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const CLIENTS = join(ROOT, 'bench', 'python', 'export_clients.py');
const WANDB_FILTER = { $and: [{ 'config.lr': { $gte: 0.005 } }, { 'summary_metrics.acc': { $gt: 0.5 } }] };
const MLFLOW_FILTER_STRING = "metrics.acc > 0.5 and params.optimizer = 'adam'";
const GATEWAY_MLFLOW_FILTER = { $and: [{ 'summary.acc': { $gt: 0.5 } }, { 'config.optimizer': 'adam' }] };

interface Side {
  rows: number;
  seconds: number;
  peakMemMb: number;
  requests: number;
}

async function seededMlflow(): Promise<{ url: string; experimentId: string; stop(): Promise<void> }> {
  const dir = join(ROOT, '.cache', `bench-mlflow-${RUNS}`);
  mkdirSync(dir, { recursive: true });
  const idFile = join(dir, 'experiment-id');
  const server = await startMlflowServer({ dir });
  if (!existsSync(idFile)) {
    const t = performance.now();
    process.stdout.write(`seeding ${RUNS} MLflow runs through the mlflow client (once; kept in .cache/)...\n`);
    const out = await run(PYTHON, [join(ROOT, 'bench', 'python', 'seed_mlflow_bulk.py'), server.url, 'bench-bulk', String(RUNS)], { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' });
    writeFileSync(idFile, out.trim().split('\n').pop() ?? '');
    process.stdout.write(`seeded in ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
  }
  return { url: server.url, experimentId: readFileSync(idFile, 'utf8').trim(), stop: server.stop };
}

/** Streams a CSV export from the gateway, counting rows without keeping them. */
function csvRows(url: string): Promise<number> {
  return new Promise((ok, fail) => {
    get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) return fail(new Error(`export answered ${res.statusCode}`));
      let lines = 0;
      res.on('data', (d: Buffer) => {
        for (const byte of d) if (byte === 10) lines++;
      });
      res.on('end', () => ok(lines - 1));
    }).on('error', fail);
  });
}

async function graphqlRows(url: string, projectId: string, filter: unknown): Promise<number> {
  let after: string | null = null;
  let rows = 0;
  for (;;) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query($p: ID!, $f: JSON, $a: String) { runs(projectId: $p, filter: $f, first: 500, after: $a) { nodes { sourceId config summary } pageInfo { hasNextPage endCursor } } }`,
        variables: { p: projectId, f: filter, a: after },
      }),
    });
    const body = (await res.json()) as { data?: { runs: { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }; errors?: unknown };
    if (!body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
    rows += body.data.runs.nodes.length;
    if (!body.data.runs.pageInfo.hasNextPage) return rows;
    after = body.data.runs.pageInfo.endCursor;
  }
}

async function main(): Promise<void> {
  const wandb = await startWandbServer({ seed: bulkSeed(RUNS), apiKey: KEY });
  const mlflow = await seededMlflow();
  const home = mkdtempSync(join(tmpdir(), 'mlgate-bench-'));
  const clientEnv = {
    ...process.env,
    WANDB_BASE_URL: wandb.url,
    WANDB_API_KEY: KEY,
    WANDB_ERROR_REPORTING: 'false',
    WANDB_SILENT: 'true',
    HOME: home,
    MLFLOW_TRACKING_URI: mlflow.url,
    MLFLOW_DISABLE_TELEMETRY: 'true',
  };
  const port = await freePort();
  const gateway = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'index.js')], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'debug', MLGATE_CACHE: 'off', WANDB_BASE_URL: wandb.url, WANDB_API_KEY: KEY, MLFLOW_TRACKING_URI: mlflow.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const calls = new LogCallCounter(gateway);
  const gw = `http://127.0.0.1:${port}`;
  const results: Record<string, { client: Side; gateway: Side }> = {};
  try {
    await waitReady(gw);
    const pid = gateway.pid as number;
    process.stdout.write(`gateway RSS at rest: ${rssMb(pid).toFixed(0)} MB; ${RUNS} runs per source\n`);

    const client = async (job: string, ...args: string[]): Promise<Side> => {
      wandb.operations.length = 0;
      const out = JSON.parse((await run(PYTHON, [CLIENTS, job, join(home, `${job}.csv`), ...args], clientEnv)).trim().split('\n').pop() ?? '{}') as Side & { requests: number | null };
      // The SDK's own start-up (credential check, default entity, feature probe) is not the job.
      const sdkRequests = wandb.operations.filter((op) => !['Viewer', 'GetDefaultEntity', 'ServerFeaturesQuery'].includes(op)).length;
      return { ...out, requests: out.requests ?? sdkRequests };
    };
    const viaGateway = async (job: () => Promise<number>): Promise<Side> => {
      calls.take();
      const { result, seconds, peakMemMb } = await withPeakRss(pid, job);
      await new Promise((ok) => setTimeout(ok, 200));
      const requests = Object.values(calls.take()).reduce((a, b) => a + b, 0);
      return { rows: result, seconds, peakMemMb, requests };
    };

    const wandbProject = encodeId('Project', 'wandb', 'bench/bulk');
    const mlflowProject = encodeId('Project', 'mlflow', mlflow.experimentId);
    const exportUrl = (p: string) => `${gw}/export/runs.csv?projectId=${encodeURIComponent(p)}`;
    results['W&B export to CSV'] = { client: await client('wandb-export', 'bench/bulk'), gateway: await viaGateway(() => csvRows(exportUrl(wandbProject))) };
    results['W&B filtered query'] = {
      client: await client('wandb-filter', 'bench/bulk', JSON.stringify(WANDB_FILTER)),
      gateway: await viaGateway(() => graphqlRows(gw, wandbProject, WANDB_FILTER)),
    };
    results['MLflow export to CSV'] = { client: await client('mlflow-export', mlflow.experimentId), gateway: await viaGateway(() => csvRows(exportUrl(mlflowProject))) };
    results['MLflow filtered query'] = {
      client: await client('mlflow-filter', mlflow.experimentId, MLFLOW_FILTER_STRING),
      gateway: await viaGateway(() => graphqlRows(gw, mlflowProject, GATEWAY_MLFLOW_FILTER)),
    };
  } finally {
    gateway.kill('SIGTERM');
    await wandb.stop();
    await mlflow.stop();
  }

  const table = Object.entries(results).map(([job, { client, gateway }]) => ({
    job,
    rows: `${client.rows} / ${gateway.rows}`,
    'time client s': client.seconds.toFixed(2),
    'time mlgate s': gateway.seconds.toFixed(2),
    'speed-up': `${(client.seconds / gateway.seconds).toFixed(1)}x`,
    'requests client': client.requests,
    'requests mlgate': gateway.requests,
    'peak MB client': client.peakMemMb,
    'peak MB mlgate': gateway.peakMemMb,
  }));
  console.table(table);
  const mismatched = Object.entries(results).filter(([, r]) => r.client.rows !== r.gateway.rows);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'export-runs.json'), `${JSON.stringify({ runs: RUNS, date: new Date().toISOString(), results }, null, 2)}\n`);
  if (mismatched.length) throw new Error(`row counts differ for: ${mismatched.map(([j]) => j).join(', ')}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
