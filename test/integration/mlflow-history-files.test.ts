import { createHash } from 'node:crypto';
import type { Manifest } from '../helpers/manifest';
import { experimentByName, projectGid, realMlflowApp, runByName, runGid } from '../helpers/real-mlflow';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';

interface Row {
  step: number;
  timestamp: string;
  values: Record<string, number>;
}
interface ScanPage {
  run: { historyScan: { rows: Row[]; fromStep: number; toStep: number; pageInfo: { hasNextPage: boolean; endCursor: string } } };
}

describe('history and files from a real MLflow server', () => {
  let app: TestApp;
  let manifest: Manifest;
  beforeAll(async () => {
    ({ app, manifest } = await realMlflowApp());
  });
  afterAll(() => app.stop());
  beforeEach(() => app.calls.reset());

  it('samples a 3000-step history to at most `samples` points per key, first and last step included', async () => {
    const run = runByName(manifest, 'long-history');
    const data = expectNoErrors(
      await app.gql<{ run: { history: Row[] } }>(`query($id: ID!) { run(id: $id) { history(samples: 100, keys: ["loss"]) { step timestamp values } } }`, { id: runGid(run) }),
      app.calls,
    );
    const rows = data.run.history;
    const logged = new Map((run.history.loss ?? []).map(([step, value]) => [step, value]));
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.length).toBeLessThanOrEqual(101);
    expect(rows[0]?.step).toBe(0);
    expect(rows[rows.length - 1]?.step).toBe(2999);
    for (const row of rows) expect(row.values).toEqual({ loss: logged.get(row.step) });
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.metrics.getHistoryBulkInterval': 1 });
  });

  it('a 50-run page with config, summary and two sampled history keys costs one search and one bulk-history call per key', async () => {
    const page = experimentByName(manifest, 'mlgate-page');
    const data = expectNoErrors(
      await app.gql<{ runs: { nodes: Array<{ name: string; config: Record<string, unknown>; summary: Record<string, unknown>; history: Row[] }> } }>(
        `query($p: ID!) { runs(projectId: $p, first: 50, orderBy: ["displayName"]) { nodes { name config summary history(samples: 10, keys: ["loss", "acc"]) { step values } } } }`,
        { p: projectGid(page.id) },
      ),
      app.calls,
    );
    expect(data.runs.nodes.map((r) => r.name)).toEqual(Array.from({ length: 50 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
    for (const run of data.runs.nodes) {
      const i = Number(run.name.slice(5));
      expect(run.history).toEqual([{ step: 0, values: { acc: i / 100, loss: 1 - i / 100 } }]);
      expect(run.summary).toEqual({ acc: i / 100, loss: 1 - i / 100 });
    }
    // MLflow's bulk endpoint takes one metric key per call (and up to 100 runs): 1 + keys is its floor.
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 1, 'mlflow.metrics.getHistoryBulkInterval': 2 });
  });

  it('scans the full history page by page and returns every logged point, with its step and timestamp', async () => {
    const run = runByName(manifest, 'long-history');
    const rows: Row[] = [];
    let after: string | null = null;
    let pages = 0;
    for (; pages < 10; pages++) {
      const data: ScanPage = expectNoErrors(
        await app.gql(
          `query($id: ID!, $after: String) { run(id: $id) { historyScan(keys: ["loss", "val_loss"], pageSize: 1000, after: $after) { rows { step timestamp values } fromStep toStep pageInfo { hasNextPage endCursor } } } }`,
          { id: runGid(run), after },
        ),
        app.calls,
      );
      rows.push(...data.run.historyScan.rows);
      expect(data.run.historyScan.fromStep).toBe(pages * 1000);
      if (!data.run.historyScan.pageInfo.hasNextPage) break;
      after = data.run.historyScan.pageInfo.endCursor;
    }
    expect(pages).toBe(2);
    const loss = run.history.loss ?? [];
    const val = new Map((run.history.val_loss ?? []).map(([step, value]) => [step, value]));
    expect(rows.map((r) => r.step)).toEqual(loss.map(([step]) => step));
    for (const [i, [step, value, ts]] of loss.entries()) {
      const want: Record<string, number> = { loss: value };
      if (val.has(step)) want.val_loss = val.get(step) as number;
      expect(rows[i]?.values).toEqual(want);
      expect(new Date(rows[i]?.timestamp ?? 0).getTime()).toBeGreaterThanOrEqual(ts);
    }
    // 3 pages x 2 keys, plus one run lookup per request.
    expect(app.calls.byOp()).toEqual({ 'mlflow.runs.search': 3, 'mlflow.metrics.getHistoryBulkInterval': 6 });
  });

  it('honours minStep and maxStep', async () => {
    const run = runByName(manifest, 'long-history');
    const data = expectNoErrors(
      await app.gql<ScanPage>(`query($id: ID!) { run(id: $id) { historyScan(keys: ["val_loss"], minStep: 150, maxStep: 420) { rows { step } fromStep toStep pageInfo { hasNextPage } } } }`, {
        id: runGid(run),
      }),
    );
    expect(data.run.historyScan.rows.map((r) => r.step)).toEqual([200, 300, 400]);
    expect(data.run.historyScan).toMatchObject({ fromStep: 150, toStep: 420, pageInfo: { hasNextPage: false } });
  });

  it('rejects out-of-range history arguments before calling MLflow for history', async () => {
    const run = runByName(manifest, 'long-history');
    const res = await app.gql(`query($id: ID!) { run(id: $id) { history(samples: 0) { step } } }`, { id: runGid(run) });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(app.calls.count('mlflow.metrics.getHistoryBulkInterval')).toBe(0);
  });

  it('lists files with their sizes, recursively, and downloads each through the gateway byte for byte', async () => {
    const run = runByName(manifest, 'baseline');
    const data = expectNoErrors(
      await app.gql<{ run: { top: Array<{ path: string; isDir: boolean; size: number | null }>; all: Array<{ path: string; size: number; downloadUrl: string }> } }>(
        `query($id: ID!) { run(id: $id) { top: files { path isDir size } all: files(recursive: true) { path size downloadUrl } } }`,
        { id: runGid(run) },
      ),
      app.calls,
    );
    const want = [...run.artifacts].sort((a, b) => a.path.localeCompare(b.path));
    expect([...data.run.all].map(({ path, size }) => ({ path, size })).sort((a, b) => a.path.localeCompare(b.path))).toEqual(want.map(({ path, size }) => ({ path, size })));
    expect(data.run.top).toContainEqual({ path: 'plots', isDir: true, size: null });
    for (const file of data.run.all) {
      const url = new URL(file.downloadUrl);
      const res = await app.http.get(url.pathname).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      const sha = createHash('sha256').update(res.body as Buffer).digest('hex');
      expect(sha).toBe(want.find((a) => a.path === file.path)?.sha256);
    }
  });

  it('answers a download of a missing file or a traversal path with a typed error', async () => {
    const run = runByName(manifest, 'baseline');
    const missing = await app.http.get(`/files/${runGid(run)}/no/such/file.txt`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', source: 'mlflow' });
    const traversal = await app.http.get(`/files/${runGid(run)}/plots/%2e%2e/%2e%2e/etc/passwd`);
    expect(traversal.status).toBe(400);
    expect(traversal.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
