import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeId } from '../../src/ids';
import { pythonJson, wandbEnv } from '../helpers/python';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const KEYS = { viewer: `vk-${randomUUID()}`, editor: `ek-${randomUUID()}` };
const MAX_UPLOAD = 16 * 1024 * 1024;
const MAX_INLINE = 1024 * 1024;

const UPLOAD = `mutation($id: ID!, $path: String!, $b64: String!) { uploadRunFile(runId: $id, path: $path, contentBase64: $b64) { path name size isDir downloadUrl } }`;
const DELETE = `mutation($id: ID!, $names: [String!], $glob: String) { deleteRunFiles(runId: $id, names: $names, glob: $glob) { deleted } }`;
const FILES = `query($id: ID!) { run(id: $id) { files(recursive: true) { path size } } }`;

/** Upstream operations that change data: none of them may run for refused input. */
const WRITE_OPS = ['wandb.createRunFiles', 'wandb.files.upload', 'wandb.markRunFilesUploaded', 'wandb.deleteFiles', 'mlflow.artifacts.upload', 'mlflow.artifacts.delete'];

interface RunFile {
  path: string;
  name: string;
  size: number;
  isDir: boolean;
  downloadUrl: string;
}

function keysFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mlgate-keys-')), 'keys.json');
  const hash = (k: string) => createHash('sha256').update(k).digest('hex');
  writeFileSync(file, JSON.stringify([
    { name: 'dash', sha256: hash(KEYS.viewer), role: 'viewer' },
    { name: 'ci', sha256: hash(KEYS.editor), role: 'editor' },
  ]));
  return file;
}

describe('run file uploads and deletes on the W&B test server and a real MLflow server', () => {
  let app: TestApp;
  let wandb: WandbServer;
  let server: Server;
  let gatewayUrl = '';
  const mlflowUrl = () => process.env.MLGATE_TEST_MLFLOW_URL as string;
  const wandbRun = (name: string) => encodeId('Run', 'wandb', `mlgate/vision/${name}`);
  let experiment = '';

  const mlflowApi = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${mlflowUrl()}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  /** A run of its own, already FINISHED: uploads must work after a run ended. */
  const finishedMlflowRun = async (name: string) => {
    const { run } = await mlflowApi<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: experiment, run_name: name, start_time: Date.now() });
    await mlflowApi('runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() });
    return { runId: run.info.run_id, id: encodeId('Run', 'mlflow', `${experiment}/${run.info.run_id}`) };
  };
  const mlflowPaths = async (runId: string, path = ''): Promise<string[]> => {
    const res = await fetch(`${mlflowUrl()}/api/2.0/mlflow/artifacts/list?run_id=${runId}${path ? `&path=${encodeURIComponent(path)}` : ''}`);
    const body = (await res.json()) as { files?: Array<{ path: string; is_dir: boolean }> };
    const nested = await Promise.all((body.files ?? []).map((f) => (f.is_dir ? mlflowPaths(runId, f.path) : Promise.resolve([f.path]))));
    return nested.flat().sort();
  };
  const wandbPaths = (run: string) => [...(wandb.store.run('mlgate', 'vision', run)?.files.values() ?? [])].filter((f) => !f.pending).map((f) => f.name).sort();

  const gql = async <T>(query: string, variables: Record<string, unknown>, key = KEYS.editor) => {
    const res = await app.http.post('/graphql').set('x-api-key', key).send({ query, variables });
    return res.body as { data?: T; errors?: Array<{ message: string; extensions: { code: string } }> };
  };
  const ok = <T>(r: { data?: T; errors?: unknown[] }): T => {
    if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r)}\ncalls: ${JSON.stringify(app.calls.byOp())}`);
    return r.data;
  };
  const put = (id: string, path: string, body: Buffer, key = KEYS.editor) => app.http.put(`/files/${id}/${path}`).set('x-api-key', key).set('content-type', 'application/octet-stream').send(body);
  const download = async (url: string): Promise<Buffer> => {
    const res = await app.http.get(new URL(url).pathname).set('x-api-key', KEYS.viewer).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    return res.body as Buffer;
  };
  const writes = () => app.calls.calls.filter((c) => WRITE_OPS.includes(c.op));

  beforeAll(async () => {
    wandb = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
    app = await buildTestApp({
      env: {
        WANDB_BASE_URL: wandb.url,
        WANDB_API_KEY: TEST_WANDB_KEY,
        MLFLOW_TRACKING_URI: mlflowUrl(),
        MLGATE_API_KEYS_FILE: keysFile(),
        MLGATE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
        MLGATE_MAX_INLINE_UPLOAD_BYTES: String(MAX_INLINE),
      },
    });
    server = app.express.listen(0, '127.0.0.1');
    await new Promise((ok) => server.once('listening', ok));
    gatewayUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    ({ experiment_id: experiment } = await mlflowApi<{ experiment_id: string }>('experiments/create', { name: `files-${Date.now()}` }));
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await app.stop();
    await wandb.stop();
  });
  beforeEach(() => app.calls.reset());

  describe('W&B', () => {
    it('uploads a small file through GraphQL to a finished run: createRunFiles, one PUT, markRunFilesUploaded; it downloads byte for byte', async () => {
      const bytes = randomBytes(200_000);
      const r = ok(await gql<{ uploadRunFile: RunFile }>(UPLOAD, { id: wandbRun('run00001'), path: 'plots/loss.png', b64: bytes.toString('base64') }));
      expect(r.uploadRunFile).toEqual({ path: 'plots/loss.png', name: 'loss.png', size: bytes.length, isDir: false, downloadUrl: expect.stringMatching(/\/files\/.+\/plots\/loss\.png$/) });
      // Reads: one to know the run exists before writing, one to list the file afterwards.
      expect(app.calls.byOp()).toEqual({ 'wandb.runFiles': 2, 'wandb.createRunFiles': 1, 'wandb.files.upload': 1, 'wandb.markRunFilesUploaded': 1 });
      expect(wandb.operations.slice(-4)).toEqual(['RunFiles', 'CreateRunFiles', 'MarkRunFilesUploaded', 'RunFiles']);
      expect(sha(await download(r.uploadRunFile.downloadUrl))).toBe(sha(bytes));
    });

    it('streams a large file through PUT /files/...; the wandb SDK reads it back with run.files() and file.download()', async () => {
      const bytes = randomBytes(12 * 1024 * 1024);
      const res = await put(wandbRun('run00001'), 'model/weights.bin', bytes);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ path: 'model/weights.bin', name: 'weights.bin', isDir: false, size: bytes.length, downloadUrl: expect.stringContaining('/model/weights.bin') });
      expect(app.calls.byOp()).toEqual({ 'wandb.runFiles': 2, 'wandb.createRunFiles': 1, 'wandb.files.upload': 1, 'wandb.markRunFilesUploaded': 1 });
      expect(sha(await download(res.body.downloadUrl))).toBe(sha(bytes));
      const seen = await pythonJson<{ names: string[]; size: number; sha: string }>(
        `
import hashlib, json, os, tempfile, wandb
run = wandb.Api(timeout=60).run("mlgate/vision/run00001")
names = sorted(f.name for f in run.files())
d = tempfile.mkdtemp()
f = run.files(names=["model/weights.bin"])[0]
f.download(root=d, replace=True)
data = open(os.path.join(d, "model", "weights.bin"), "rb").read()
print(json.dumps({"names": names, "size": f.size, "sha": hashlib.sha256(data).hexdigest()}))
`,
        wandbEnv(wandb.url),
      );
      expect(seen).toEqual({ names: ['config.yaml', 'model/weights.bin', 'output.log', 'plots/loss.png'], size: bytes.length, sha: sha(bytes) });
    }, 60_000);

    it('deletes by glob `*.png` in one deleteFiles request, leaving files in directories and of other types', async () => {
      for (const path of ['a.png', 'b.png', 'notes.txt', 'sub/c.png']) ok(await gql(UPLOAD, { id: wandbRun('run00002'), path, b64: Buffer.from(path).toString('base64') }));
      app.calls.reset();
      const r = ok(await gql<{ deleteRunFiles: { deleted: string[] } }>(DELETE, { id: wandbRun('run00002'), glob: '*.png' }));
      expect(r.deleteRunFiles.deleted).toEqual(['a.png', 'b.png']);
      expect(app.calls.byOp()).toEqual({ 'wandb.runFiles': 1, 'wandb.deleteFiles': 1 });
      expect(wandbPaths('run00002')).toEqual(['config.yaml', 'notes.txt', 'output.log', 'sub/c.png']);
      const names = ok(await gql<{ deleteRunFiles: { deleted: string[] } }>(DELETE, { id: wandbRun('run00002'), names: ['sub/c.png', 'notes.txt'] }));
      expect(names.deleteRunFiles.deleted).toEqual(['notes.txt', 'sub/c.png']);
      expect(wandbPaths('run00002')).toEqual(['config.yaml', 'output.log']);
    });

    it('aborts the upstream PUT when the caller goes away mid-body, and marks nothing uploaded', async () => {
      const before = wandbPaths('run00003');
      await abortedUpload(wandbRun('run00003'), 'big/aborted.bin', () => wandb.operations.includes('CreateRunFiles'));
      await waitFor(() => app.calls.count('wandb.files.upload') === 1);
      expect(app.calls.calls.find((c) => c.op === 'wandb.files.upload')?.outcome).toBe('aborted');
      expect(app.calls.count('wandb.markRunFilesUploaded')).toBe(0);
      expect(wandbPaths('run00003')).toEqual(before);
      const listed = ok(await gql<{ run: { files: Array<{ path: string }> } }>(FILES, { id: wandbRun('run00003') }));
      expect(listed.run.files.map((f) => f.path)).toEqual(before);
    });
  });

  describe('MLflow', () => {
    it('uploads small (GraphQL) and large (PUT) files to a finished run with runs/get and one PUT each; the mlflow client reads them back', async () => {
      const run = await finishedMlflowRun('uploads');
      const small = randomBytes(50_000);
      const r = ok(await gql<{ uploadRunFile: RunFile }>(UPLOAD, { id: run.id, path: 'eval/report.json', b64: small.toString('base64') }));
      expect(r.uploadRunFile).toEqual({ path: 'eval/report.json', name: 'report.json', size: small.length, isDir: false, downloadUrl: expect.stringContaining('/eval/report.json') });
      expect(app.calls.byOp()).toEqual({ 'mlflow.runs.get': 1, 'mlflow.artifacts.upload': 1, 'mlflow.artifacts.list': 1 });
      app.calls.reset();
      const large = randomBytes(12 * 1024 * 1024);
      const res = await put(run.id, 'model/weights.bin', large);
      expect(res.status).toBe(201);
      expect(res.body.size).toBe(large.length);
      expect(app.calls.byOp()).toEqual({ 'mlflow.runs.get': 1, 'mlflow.artifacts.upload': 1, 'mlflow.artifacts.list': 1 });
      expect(sha(await download(r.uploadRunFile.downloadUrl))).toBe(sha(small));
      expect(sha(await download(res.body.downloadUrl))).toBe(sha(large));
      const seen = await pythonJson<{ listed: Array<[string, number]>; small: string; large: string }>(
        `
import hashlib, json, os, tempfile
from mlflow.tracking import MlflowClient
c = MlflowClient()
listed = sorted([f.path, f.file_size] for d in ["eval", "model"] for f in c.list_artifacts(${JSON.stringify(run.runId)}, d))
d = tempfile.mkdtemp()
h = lambda p: hashlib.sha256(open(c.download_artifacts(${JSON.stringify(run.runId)}, p, d), "rb").read()).hexdigest()
print(json.dumps({"listed": listed, "small": h("eval/report.json"), "large": h("model/weights.bin")}))
`,
        { MLFLOW_TRACKING_URI: mlflowUrl() },
      );
      expect(seen).toEqual({ listed: [['eval/report.json', small.length], ['model/weights.bin', large.length]], small: sha(small), large: sha(large) });
    }, 60_000);

    it('deletes by glob `*.png` with one DELETE per matching file, leaving the rest', async () => {
      const run = await finishedMlflowRun('deletes');
      for (const path of ['a.png', 'b.png', 'notes.txt', 'sub/c.png']) ok(await gql(UPLOAD, { id: run.id, path, b64: Buffer.from(path).toString('base64') }));
      app.calls.reset();
      const r = ok(await gql<{ deleteRunFiles: { deleted: string[] } }>(DELETE, { id: run.id, glob: '*.png' }));
      expect(r.deleteRunFiles.deleted).toEqual(['a.png', 'b.png']);
      // Listing: the root and `sub`, one level each.
      expect(app.calls.byOp()).toEqual({ 'mlflow.artifacts.list': 2, 'mlflow.runs.get': 1, 'mlflow.artifacts.delete': 2 });
      expect(await mlflowPaths(run.runId)).toEqual(['notes.txt', 'sub/c.png']);
      const all = ok(await gql<{ deleteRunFiles: { deleted: string[] } }>(DELETE, { id: run.id, glob: '**/*' }));
      expect(all.deleteRunFiles.deleted).toEqual(['notes.txt', 'sub/c.png']);
      expect(await mlflowPaths(run.runId)).toEqual([]);
    });

    it('aborts the upstream PUT when the caller goes away mid-body', async () => {
      const run = await finishedMlflowRun('aborted');
      await abortedUpload(run.id, 'big/aborted.bin', () => app.calls.count('mlflow.runs.get') === 1);
      await waitFor(() => app.calls.count('mlflow.artifacts.upload') === 1);
      expect(app.calls.calls.find((c) => c.op === 'mlflow.artifacts.upload')?.outcome).toBe('aborted');
      // What MLflow keeps of an aborted proxy upload: checked, not assumed (see README).
      expect(await mlflowPaths(run.runId)).toEqual([]);
    });
  });

  describe('refused before any upstream write', () => {
    it('bad globs, neither or both arguments, and unknown names: BAD_USER_INPUT, nothing deleted', async () => {
      const run = await finishedMlflowRun('refusals');
      ok(await gql(UPLOAD, { id: run.id, path: 'keep.png', b64: 'AAAA' }));
      app.calls.reset();
      const cases: Array<[string, Record<string, unknown>]> = [
        [wandbRun('run00004'), { glob: '[abc' }],
        [wandbRun('run00004'), { glob: 'a\\' }],
        [wandbRun('run00004'), {}],
        [wandbRun('run00004'), { names: ['config.yaml'], glob: '*' }],
        [run.id, { glob: '[z-a].png' }],
        [run.id, { names: [] }],
        [run.id, { names: ['../etc/passwd'] }],
      ];
      for (const [id, args] of cases) {
        const r = await gql(DELETE, { id, ...args });
        expect([JSON.stringify(args), r.errors?.map((e) => e.extensions.code)]).toEqual([JSON.stringify(args), ['BAD_USER_INPUT']]);
      }
      expect(app.calls.count()).toBe(0);
      for (const id of [wandbRun('run00004'), run.id]) {
        const r = await gql(DELETE, { id, names: ['keep.png', 'config.yaml', 'missing.txt'] });
        expect(r.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
        expect(r.errors?.[0]?.message).toMatch(/missing\.txt/);
      }
      expect(writes()).toEqual([]);
      expect(wandbPaths('run00004')).toEqual(['config.yaml', 'output.log']);
      expect(await mlflowPaths(run.runId)).toEqual(['keep.png']);
    });

    it('unsafe paths, oversize bodies, chunked bodies, a viewer and an unknown run: typed errors, zero upstream writes', async () => {
      const id = wandbRun('run00005');
      for (const path of ['../x.txt', '/abs.txt', 'a//b.txt', 'dir/', './x', 'a\\b', 'x'.repeat(1100)]) {
        const r = await gql(UPLOAD, { id, path, b64: 'AAAA' });
        expect([path, r.errors?.map((e) => e.extensions.code)]).toEqual([path, ['BAD_USER_INPUT']]);
      }
      for (const path of ['a/%2E%2E/x.txt', 'a//b.txt', '%2E/x']) {
        const res = await put(id, path, Buffer.from('x'));
        expect([path, res.status, res.body.errors?.[0]?.extensions?.code]).toEqual([path, 400, 'BAD_USER_INPUT']);
      }
      const inline = await gql(UPLOAD, { id, path: 'big.bin', b64: randomBytes(MAX_INLINE + 1).toString('base64') });
      expect(inline.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      expect(inline.errors?.[0]?.message).toMatch(/PUT \/files/);
      const oversize = await put(id, 'big.bin', randomBytes(MAX_UPLOAD + 1));
      expect([oversize.status, oversize.body.errors?.[0]?.extensions?.code]).toEqual([413, 'BAD_USER_INPUT']);
      const chunked = await rawPut(`/files/${id}/chunked.bin`, { 'transfer-encoding': 'chunked' }, Buffer.from('abc'));
      expect(chunked.status).toBe(411);
      const viewerPut = await put(id, 'v.txt', Buffer.from('x'), KEYS.viewer);
      expect([viewerPut.status, viewerPut.body.errors?.[0]?.extensions?.code]).toEqual([403, 'FORBIDDEN']);
      const viewerGql = await gql(UPLOAD, { id, path: 'v.txt', b64: 'AAAA' }, KEYS.viewer);
      expect(viewerGql.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
      const viewerDelete = await gql(DELETE, { id, glob: '*' }, KEYS.viewer);
      expect(viewerDelete.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
      expect(app.calls.count()).toBe(0);
      const missing = await put(wandbRun('nosuchrun'), 'x.txt', Buffer.from('x'));
      expect([missing.status, missing.body.errors?.[0]?.extensions?.code]).toEqual([404, 'NOT_FOUND']);
      const missingMlflow = await gql(UPLOAD, { id: encodeId('Run', 'mlflow', `${experiment}/${'f'.repeat(32)}`), path: 'x.txt', b64: 'AAAA' });
      expect(missingMlflow.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
      expect(writes()).toEqual([]);
      expect(wandbPaths('run00005')).toEqual(['config.yaml', 'output.log']);
    });
  });

  /** A raw request, for headers supertest would rewrite (chunked transfer). */
  function rawPut(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${gatewayUrl}${path}`, { method: 'PUT', headers: { 'x-api-key': KEYS.editor, ...headers } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Declares 8 MB, sends 1 MB once the upload reached the source, then drops the connection. */
  async function abortedUpload(id: string, path: string, started: () => boolean): Promise<void> {
    const req = httpRequest(`${gatewayUrl}/files/${id}/${path}`, { method: 'PUT', headers: { 'x-api-key': KEYS.editor, 'content-length': String(8 * 1024 * 1024) } });
    req.on('error', () => undefined);
    req.write(randomBytes(1024 * 1024));
    await waitFor(started);
    await new Promise((ok) => setTimeout(ok, 200));
    req.destroy();
  }
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for a condition');
    await new Promise((ok) => setTimeout(ok, 20));
  }
}
