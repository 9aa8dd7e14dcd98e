import { readFileSync } from 'node:fs';
import type { ImportHistoryRow, ImportNamespace, ImportRunSpec } from '../../src/imports/destination';
import { CallLog } from '../../src/sources/upstream';
import { WandbImportDestination } from '../../src/sources/wandb/import-destination';
import { WandbClient } from '../../src/sources/wandb/wandb-client';
import { WandbSource } from '../../src/sources/wandb/wandb-source';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';

const ns: ImportNamespace = { source: 'wandb', entity: 'mlgate', project: 'imported' };
const RUN = '0123456789abcdef0123456789abcdef';

const spec = (over: Partial<ImportRunSpec> = {}): ImportRunSpec => ({
  runId: RUN,
  displayName: 'mlflow-run',
  state: 'running',
  startedAt: 1_700_000_000_000,
  endedAt: null,
  user: 'ada',
  config: { lr: '0.01', layers: 3, imported_mlflow_tags: { team: 'vision' } },
  summary: { loss: 0.25 },
  tags: ['imported', 'mlflow'],
  notes: 'from MLflow',
  group: 'Experiment 1',
  jobType: 'train',
  commit: 'abc123',
  metadata: { startedAt: '2023-11-14T22:13:20.000Z', username: 'ada' },
  ...over,
});

const rows = (from: number, n: number, scale = 1): ImportHistoryRow[] =>
  Array.from({ length: n }, (_, i) => ({ _step: (from + i) * 10, _timestamp: 1_700_000_000 + (from + i) * 0.5, loss: ((from + i) * scale) / 1000 }));

let server: WandbServer;
let calls: CallLog;
let client: WandbClient;
let dest: WandbImportDestination;
let waits: number[];

beforeEach(async () => {
  server = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
  calls = new CallLog();
  const config = { kind: 'wandb' as const, name: 'wandb', url: server.url, apiKey: TEST_WANDB_KEY, entity: null, timeoutMs: 10_000, credentials: 'service' as const };
  client = new WandbClient(config, { fetch, recorder: calls });
  waits = [];
  // Waits are recorded and skipped; the Retry-After test below uses the real clock.
  dest = new WandbImportDestination(client, 'wandb', {
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  expect(new WandbSource(config, { fetch, recorder: calls }).importDestination()).toBeInstanceOf(WandbImportDestination);
});

afterEach(() => server.stop());

const stored = () => {
  const run = server.store.run(ns.entity, ns.project, RUN);
  if (!run) throw new Error('run was not created');
  return run;
};

describe('W&B import destination on the W&B protocol server', () => {
  it('creates a run with its metadata, appends 2500 rows in 1000-row chunks, and a resent chunk does not duplicate', async () => {
    expect(await dest.state(ns, RUN)).toEqual({ exists: false, config: {}, summary: {}, historyLength: 0 });

    await dest.upsertRun(ns, spec());
    const run = stored();
    expect({ displayName: run.displayName, tags: run.tags, notes: run.notes, group: run.group, jobType: run.jobType, state: run.state, commit: run.commit }).toEqual({
      commit: 'abc123',
      displayName: 'mlflow-run',
      tags: ['imported', 'mlflow'],
      notes: 'from MLflow',
      group: 'Experiment 1',
      jobType: 'train',
      state: 'running',
    });
    expect(run.config).toEqual({ lr: { value: '0.01', desc: null }, layers: { value: 3, desc: null }, imported_mlflow_tags: { value: { team: 'vision' }, desc: null } });

    await dest.appendHistory(ns, RUN, 0, rows(0, 2500));
    expect(calls.byOp()).toEqual({ 'wandb.runs': 1, 'wandb.upsertBucket': 1, 'wandb.fileStream': 3 });
    expect(run.history).toHaveLength(2500);

    // The second chunk again, with other values: it replaces lines 1000..1999.
    await dest.appendHistory(ns, RUN, 1000, rows(1000, 1000, 2));
    expect(run.history).toHaveLength(2500);
    expect(run.history[1500]).toEqual({ _step: 15000, _timestamp: 1_700_000_750, loss: 3 });
    expect(run.history[2499]).toEqual({ _step: 24990, _timestamp: 1_700_001_249.5, loss: 2.499 });

    await dest.finish(ns, RUN, 0, { loss: 2.499, best: 0.001 });
    expect(run.state).toBe('finished');
    expect(await dest.state(ns, RUN)).toEqual({
      exists: true,
      config: { lr: '0.01', layers: 3, imported_mlflow_tags: { team: 'vision' } },
      summary: { loss: 2.499, best: 0.001 },
      historyLength: 2500,
    });
    expect(calls.byOp()).toEqual({ 'wandb.runs': 2, 'wandb.upsertBucket': 1, 'wandb.fileStream': 5 });
    expect(server.fileStreams).toHaveLength(5);
  });

  it('upserting the same run again updates it in place', async () => {
    await dest.upsertRun(ns, spec());
    await dest.upsertRun(ns, spec({ displayName: 'renamed', tags: ['x'], state: 'crashed' }));
    expect(server.store.project(ns.entity, ns.project)?.runs.map((r) => [r.name, r.displayName, r.tags, r.state])).toEqual([[RUN, 'renamed', ['x'], 'crashed']]);
    expect(calls.byOp()).toEqual({ 'wandb.upsertBucket': 2 });
  });

  it('a non-zero exit code marks the run failed', async () => {
    await dest.upsertRun(ns, spec());
    await dest.finish(ns, RUN, 1, { loss: 9 });
    expect([stored().state, stored().summary]).toEqual(['failed', { loss: 9 }]);
  });

  it('splits history by size as well as by row count', async () => {
    const small = new WandbImportDestination(client, 'wandb', { maxBytes: 1000 });
    await small.upsertRun(ns, spec());
    const wide = rows(0, 30).map((r) => ({ ...r, note: 'x'.repeat(400) }));
    await small.appendHistory(ns, RUN, 0, wide);
    // Each line is 450-470 bytes, so two fit under 1000 bytes and three do not: 30 rows take 15 requests.
    expect(calls.count('wandb.fileStream')).toBe(15);
    expect(stored().history.map((r) => r._step)).toEqual(wide.map((r) => r._step));
  });

  it('waits out a 429 for its Retry-After, then resends the chunk once', async () => {
    const realClock = new WandbImportDestination(client, 'wandb');
    await realClock.upsertRun(ns, spec());
    server.throttleFileStream(1, 1);
    const started = Date.now();
    await realClock.appendHistory(ns, RUN, 0, rows(0, 10));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(calls.calls.filter((c) => c.op === 'wandb.fileStream').map((c) => c.status)).toEqual([429, 200]);
    expect(stored().history).toHaveLength(10);
  });

  it('gives up after its attempts with UPSTREAM_UNAVAILABLE, having written nothing', async () => {
    await dest.upsertRun(ns, spec());
    server.throttleFileStream(100, 2);
    await expect(dest.appendHistory(ns, RUN, 0, rows(0, 10))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(waits).toEqual([2000, 2000, 2000, 2000, 2000]);
    expect(calls.count('wandb.fileStream')).toBe(6);
    expect(stored().history).toEqual([]);
  });

  it('rejects bad input with BAD_USER_INPUT before any upstream call', async () => {
    const cases: Array<() => Promise<unknown>> = [
      () => dest.upsertRun(ns, spec({ runId: 'a/b' })),
      () => dest.upsertRun({ ...ns, source: 'other' }, spec()),
      () => dest.upsertRun(ns, spec({ state: 'paused' as ImportRunSpec['state'] })),
      () => dest.appendHistory(ns, RUN, -1, rows(0, 1)),
      () => dest.appendHistory(ns, RUN, 0, [...rows(0, 3), { _step: Number.NaN, _timestamp: 1 }]),
      () => dest.uploadFile(ns, RUN, '../secret', new Blob(['x']).stream(), 1),
      () => dest.finish(ns, RUN, 0.5, {}),
    ];
    for (const c of cases) await expect(c()).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(calls.count()).toBe(0);
    expect(server.fileStreams).toEqual([]);
  });

  it('uploads a streamed file with createRunFiles, PUT and markRunFilesUploaded', async () => {
    await dest.upsertRun(ns, spec());
    const bytes = new TextEncoder().encode('{"model": "weights"}\n'.repeat(1000));
    await dest.uploadFile(ns, RUN, 'model/config.json', new Blob([bytes]).stream(), bytes.length);
    const file = stored().files.get('model/config.json');
    // Uploads land on disk (see the server's PUT handler), not in memory.
    const kept = file?.diskPath ? readFileSync(file.diskPath) : file?.bytes;
    expect([file?.pending, kept?.length, kept?.toString('utf8').slice(0, 20)]).toEqual([false, bytes.length, '{"model": "weights"}']);
    expect(calls.byOp()).toEqual({ 'wandb.upsertBucket': 1, 'wandb.createRunFiles': 1, 'wandb.files.upload': 1, 'wandb.markRunFilesUploaded': 1 });
  });

  it('history for a run W&B does not have is refused with NOT_FOUND', async () => {
    await expect(dest.appendHistory(ns, RUN, 0, rows(0, 1))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
