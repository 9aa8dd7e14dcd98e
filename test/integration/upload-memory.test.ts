import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
import { encodeId } from '../../src/ids';
import { freePort, repoRoot } from '../helpers/mlflow-server';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';

const HEAP_MB = 64;
const FILE_BYTES = 512 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/**
 * Node, Apollo and the app take about 100 MB of RSS at rest; a buffered upload would add 512 MB
 * (it did, before uploads stopped fetch from teeing the body: 629 MB).
 */
const RSS_BOUND_MB = 200;

/** `bytes` of random data, made a chunk at a time as the reader asks for it, hashed on the way. */
function generated(bytes: number, hash: ReturnType<typeof createHash>): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) return void this.push(null);
      const chunk = randomBytes(Math.min(CHUNK, bytes - sent));
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

/** Peak resident memory of a process so far (Linux' high-water mark), in MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(line[1]) / 1024;
}

describe('a large upload through a gateway with a small heap', () => {
  let wandb: WandbServer;
  let gateway: ChildProcess;
  let url = '';
  let output = '';

  beforeAll(async () => {
    wandb = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
    // Bundled under the repository, so the app finds schema/ above it as it does from dist/.
    const main = join(repoRoot(), '.cache', 'upload-memory', 'main.js');
    await build({ entryPoints: [join(repoRoot(), 'src', 'index.ts')], outfile: main, bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gateway = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, main], {
      env: { PATH: process.env.PATH, PORT: String(port), WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, MLGATE_CACHE: 'off', MLGATE_UPSTREAM_TIMEOUT_MS: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    gateway.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const until = Date.now() + 20_000;
    while (!(await new Promise<boolean>((ok) => get(`${url}/healthz`, { agent: false }, (r) => ok(r.resume() && r.statusCode === 200)).on('error', () => ok(false))))) {
      if (gateway.exitCode !== null || Date.now() > until) throw new Error(`the gateway did not start:\n${output}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (gateway?.exitCode === null) {
      const exited = new Promise((ok) => gateway.once('exit', ok));
      gateway.kill('SIGTERM');
      await exited;
    }
    await wandb?.stop();
  });

  it(`streams ${FILE_BYTES / 2 ** 20} MB to W&B and back byte for byte with a ${HEAP_MB} MB heap, peak RSS bounded`, async () => {
    const id = encodeId('Run', 'wandb', 'mlgate/vision/run00001');
    const atRest = peakRssMb(gateway.pid as number);
    const sent = createHash('sha256');
    const t0 = Date.now();
    const put = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${url}/files/${id}/big/blob.bin`, { method: 'PUT', headers: { 'content-length': String(FILE_BYTES), 'content-type': 'application/octet-stream' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      generated(FILE_BYTES, sent).pipe(req);
    });
    const uploadSeconds = (Date.now() - t0) / 1000;
    if (put.status !== 201) throw new Error(`PUT answered ${put.status}: ${put.body}\n${output}`);
    expect(JSON.parse(put.body)).toMatchObject({ path: 'big/blob.bin', size: FILE_BYTES });
    const stored = wandb.store.run('mlgate', 'vision', 'run00001')?.files.get('big/blob.bin');
    expect(stored).toMatchObject({ size: FILE_BYTES, pending: false, bytes: null });

    const t1 = Date.now();
    const back = createHash('sha256');
    const received = await new Promise<number>((resolve, reject) => {
      get(`${url}/files/${id}/big/blob.bin`, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET answered ${res.statusCode}`));
        let n = 0;
        res.on('data', (d: Buffer) => {
          n += d.length;
          back.update(d);
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      }).on('error', reject);
    });
    const downloadSeconds = (Date.now() - t1) / 1000;
    expect(received).toBe(FILE_BYTES);
    expect(back.digest('hex')).toBe(sent.digest('hex'));

    const peak = peakRssMb(gateway.pid as number);
    process.stdout.write(`\nupload memory: ${FILE_BYTES / 2 ** 20} MB up in ${uploadSeconds.toFixed(1)} s, down in ${downloadSeconds.toFixed(1)} s; gateway heap limit ${HEAP_MB} MB, peak RSS ${atRest.toFixed(0)} MB at rest, ${peak.toFixed(0)} MB after\n`);
    expect(peak).toBeLessThan(RSS_BOUND_MB);
  }, 120_000);
});
