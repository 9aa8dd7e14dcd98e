/**
 * A bounded load run on loopback: the built gateway in front of a real MLflow server (seeded by the
 * mlflow client) and the W&B protocol server, driven by autocannon at a FIXED rate with a mix of
 * reads (run pages of each source, a merged page, sampled history) and writes (summary updates on
 * both sources). Reports throughput, p50/p99 latency per kind, errors (HTTP and GraphQL) and the
 * gateway's memory at the start and end, and writes them to bench/results/load.json.
 *
 * `npm run bench:load` (MLGATE_LOAD_SECONDS, default 120; MLGATE_LOAD_RATE, default 50 req/s; `-- --quick`: 20 s).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeId } from '../src/ids';
import { freePort, startMlflowServer } from '../test/helpers/mlflow-server';
import { testSeed } from '../test/wandb-server/seed';
import { startWandbServer } from '../test/wandb-server/server';
import { bulkSeed } from './lib/bulk-seed';
import { rssMb, run, waitReady } from './lib/processes';

const ROOT = process.env.MLGATE_ROOT ?? process.cwd();
const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 20 : Number(process.env.MLGATE_LOAD_SECONDS ?? 120);
const RUNS = 500;
/** Offered requests per second in all, shared by the kinds below in their proportions. */
const RATE = Number(process.env.MLGATE_LOAD_RATE ?? 50);
const KEY = 'local-mlgateloadkey0123456789abcdefghijklmnopqr';
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const TIMEOUT_S = 10;

interface Kind {
  name: string;
  /** Requests per second, held whatever the latency (autocannon's overallRate). */
  rate: number;
  body: (n: number) => unknown;
}

interface KindResult {
  rate: number;
  requests: number;
  throughputPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  httpErrors: number;
  graphqlErrors: number;
  timeouts: number;
}

async function seededMlflow(): Promise<{ url: string; experimentId: string; runId: string; stop(): Promise<void> }> {
  const dir = join(ROOT, '.cache', `load-mlflow-${RUNS}`);
  mkdirSync(dir, { recursive: true });
  const idFile = join(dir, 'experiment-id');
  const server = await startMlflowServer({ dir });
  if (!existsSync(idFile)) {
    process.stdout.write(`seeding ${RUNS} MLflow runs through the mlflow client (once; kept in .cache/)...\n`);
    const out = await run(PYTHON, [join(ROOT, 'bench', 'python', 'seed_mlflow_bulk.py'), server.url, 'load-bulk', String(RUNS)], { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' });
    writeFileSync(idFile, out.trim().split('\n').pop() ?? '');
  }
  const experimentId = readFileSync(idFile, 'utf8').trim();
  const found = (await (await fetch(`${server.url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: [experimentId], max_results: 1 }) })).json()) as { runs: Array<{ info: { run_id: string } }> };
  const runId = found.runs[0]?.info.run_id;
  if (!runId) throw new Error('the seeded MLflow experiment has no runs');
  return { url: server.url, experimentId, runId, stop: server.stop };
}

function heapUsedMb(metrics: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('nodejs_heap_size_used_bytes '));
  return line ? Math.round(Number(line.split(' ')[1]) / 1e5) / 10 : NaN;
}

/** RSS and heap used after a full collection (bench/lib/gc-hook.cjs), so growth is what is retained. */
async function retained(gw: string, pid: number): Promise<{ rss: number; heap: number }> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((ok) => setTimeout(ok, 1000));
  return { rss: Math.round(rssMb(pid)), heap: heapUsedMb(await (await fetch(`${gw}/metrics`)).text()) };
}

function drive(url: string, kind: Kind, seconds: number): Promise<KindResult> {
  let n = 0;
  let graphqlErrors = 0;
  return new Promise((ok, fail) => {
    autocannon(
      {
        url: `${url}/graphql`,
        // Enough connections for every request of the timeout window to be in flight: a slow answer
        // must not lower the offered rate (coordinated omission); overallRate alone paces them.
        connections: kind.rate * TIMEOUT_S,
        overallRate: kind.rate,
        duration: seconds,
        timeout: TIMEOUT_S,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // Writes need a key of their own each time, so each request builds its body.
            setupRequest: (req) => ({ ...req, body: JSON.stringify(kind.body(n++)) }),
            onResponse: (status, body) => {
              if (status === 200 && body.includes('"errors"')) graphqlErrors++;
            },
          },
        ],
      },
      (err, r) => {
        if (err) return fail(err);
        ok({
          rate: kind.rate,
          requests: r.requests.total,
          throughputPerS: Math.round((r.requests.total / seconds) * 10) / 10,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
          httpErrors: r.non2xx + r.errors,
          graphqlErrors,
          timeouts: r.timeouts,
        });
      },
    );
  });
}

async function main(): Promise<void> {
  const seed = testSeed();
  const wandb = await startWandbServer({ seed: { ...seed, projects: [...seed.projects, ...bulkSeed(RUNS).projects.map((p) => ({ ...p, name: 'load' }))] }, apiKey: KEY });
  const mlflow = await seededMlflow();
  const port = await freePort();
  const gateway = spawn(process.execPath, ['--expose-gc', '-r', join(ROOT, 'bench', 'lib', 'gc-hook.cjs'), join(ROOT, 'dist', 'src', 'index.js')], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', WANDB_BASE_URL: wandb.url, WANDB_API_KEY: KEY, MLFLOW_TRACKING_URI: mlflow.url },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const gw = `http://127.0.0.1:${port}`;
  try {
    await waitReady(gw);
    const pid = gateway.pid as number;
    const entity = seed.entity;
    const wandbProject = encodeId('Project', 'wandb', `${entity}/load`);
    const mlflowProject = encodeId('Project', 'mlflow', mlflow.experimentId);
    const wandbRun = encodeId('Run', 'wandb', `${entity}/vision/longhist1`);
    const wandbWriteRun = encodeId('Run', 'wandb', `${entity}/load/b0000001`);
    const mlflowRun = encodeId('Run', 'mlflow', mlflow.runId);
    const page = `query($p: ID!) { runs(projectId: $p, first: 50) { totalCount nodes { id name state createdAt config summary tags { key value } } } }`;
    const kinds: Kind[] = [
      { name: 'wandb runs page (50)', rate: 12, body: () => ({ query: page, variables: { p: wandbProject } }) },
      { name: 'mlflow runs page (50)', rate: 12, body: () => ({ query: page, variables: { p: mlflowProject } }) },
      { name: 'merged page (20), ordered', rate: 6, body: () => ({ query: `query($ps: [ID!]) { runs(projectIds: $ps, first: 20, orderBy: ["-created_at"]) { nodes { id name } } }`, variables: { ps: [wandbProject, mlflowProject] } }) },
      { name: 'run with sampled history', rate: 10, body: () => ({ query: `query($r: ID!) { run(id: $r) { name history(samples: 200, keys: ["acc", "loss"]) { step values } } }`, variables: { r: wandbRun } }) },
      { name: 'write: wandb summary', rate: 5, body: (n) => ({ query: `mutation($r: ID!, $s: JSON) { updateRunSummary(runId: $r, set: $s) { run { id } } }`, variables: { r: wandbWriteRun, s: { [`load_${n}`]: n } } }) },
      { name: 'write: mlflow summary', rate: 5, body: (n) => ({ query: `mutation($r: ID!, $s: JSON) { updateRunSummary(runId: $r, set: $s) { run { id } } }`, variables: { r: mlflowRun, s: { load_metric: n } } }) },
    ];
    const share = RATE / kinds.reduce((a, k) => a + k.rate, 0);
    for (const k of kinds) k.rate = Math.max(1, Math.round(k.rate * share));
    // Warm-up, so the memory baseline is the serving gateway's and not its start.
    await Promise.all(kinds.slice(0, 4).map((k) => drive(gw, { ...k, rate: 2 }, 3)));
    const start = await retained(gw, pid);
    let peakRss = start.rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 500);
    // One reading after a collection halfway through: memory that is bounded has levelled off by then.
    let middle = start;
    const half = setTimeout(() => void retained(gw, pid).then((m) => (middle = m)), (SECONDS * 1000) / 2);
    process.stdout.write(`load: ${kinds.reduce((a, k) => a + k.rate, 0)} req/s for ${SECONDS} s against ${gw}\n`);
    const results = await Promise.all(kinds.map((k) => drive(gw, k, SECONDS)));
    clearInterval(sampler);
    clearTimeout(half);
    const end = await retained(gw, pid);
    const byKind = Object.fromEntries(kinds.map((k, i) => [k.name, results[i] as KindResult]));
    const total = results.reduce((a, r) => a + r.requests, 0);
    const out = {
      seconds: SECONDS,
      offeredRatePerS: kinds.reduce((a, k) => a + k.rate, 0),
      totalRequests: total,
      throughputPerS: Math.round((total / SECONDS) * 10) / 10,
      errors: results.reduce((a, r) => a + r.httpErrors + r.graphqlErrors + r.timeouts, 0),
      // Readings after a full collection: what the gateway retains, not garbage awaiting collection.
      memory: { rssStartMb: start.rss, rssMiddleMb: middle.rss, rssEndMb: end.rss, rssPeakMb: Math.round(peakRss), heapUsedStartMb: start.heap, heapUsedMiddleMb: middle.heap, heapUsedEndMb: end.heap },
      byKind,
      machine: '2-core loopback; gateway, MLflow (SQLite), W&B test server and load generator on one machine',
    };
    for (const [name, r] of Object.entries(byKind)) {
      process.stdout.write(`${name.padEnd(28)} ${String(r.requests).padStart(6)} req  ${r.throughputPerS.toFixed(1).padStart(5)}/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(5)} ms  errors ${r.httpErrors + r.graphqlErrors + r.timeouts}\n`);
    }
    process.stdout.write(`total ${total} requests, ${out.throughputPerS}/s, errors ${out.errors}; RSS ${start.rss} → ${middle.rss} → ${end.rss} MB (peak ${out.memory.rssPeakMb}), heap after GC ${start.heap} → ${middle.heap} → ${end.heap} MB\n`);
    if (!QUICK) {
      mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
      writeFileSync(join(ROOT, 'bench', 'results', 'load.json'), `${JSON.stringify(out, null, 2)}\n`);
    }
    if (out.errors > 0) process.exitCode = 1;
  } finally {
    gateway.kill('SIGTERM');
    await wandb.stop();
    await mlflow.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
