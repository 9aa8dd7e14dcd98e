import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportJobModel } from '../../src/imports/job-model';
import { JobRunner } from '../../src/imports/runner';
import { openSqliteStore } from '../../src/imports/store/sqlite';
import type { JobStore } from '../../src/imports/store/store';
import { createLogger } from '../../src/logger';
import { fakeSource } from '../helpers/fake-import-source';
import { MemoryDestination } from '../helpers/memory-destination';

const job = (id: string, incremental: boolean): ImportJobModel => ({
  id,
  state: 'QUEUED',
  createdAt: Date.now(),
  startedAt: null,
  endedAt: null,
  error: null,
  cancelRequested: false,
  spec: {
    source: { name: 'mlflow', experimentIds: null, filter: null },
    destination: { name: 'wandb', entity: 'team', project: 'p', remap: [] },
    options: { includeArtifacts: false, incremental, parallelism: 3 },
  },
});

describe('import job runner', () => {
  let dir: string;
  let store: JobStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlgate-runner-'));
    store = await openSqliteStore(join(dir, 'jobs.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-imports incrementally only runs that changed in MLflow or went missing in W&B, and a full re-run rewrites in place', async () => {
    const source = fakeSource(10, 25);
    const dest = new MemoryDestination();
    const run = (id: string, incremental: boolean) =>
      new JobRunner(job(id, incremental), { store, source, destination: dest, logger: createLogger('silent'), historyChunk: 10 }).run();

    expect(await run('first', true)).toBe('SUCCEEDED');
    expect(await store.counts('first')).toEqual({ found: 10, done: 10, skipped: 0, failed: 0 });
    expect(dest.calls.upsertRun).toBe(10);

    // r0003 logged 5 more points in MLflow; r0005 was deleted in W&B.
    const changed = source.all[3]!;
    source.extra.set(changed.runId, Array.from({ length: 5 }, (_, k) => ({ key: 'loss', value: 100 + k, step: 25 + k, timestamp: 9_000 + k })));
    changed.latestMetrics = { loss: { key: 'loss', value: 104, step: 29, timestamp: 9_004 } };
    dest.runs.delete(`team/p/${source.all[5]!.runId}`);
    const upserts = dest.calls.upsertRun ?? 0;
    const reads = source.historyReads;
    expect(await run('second', true)).toBe('SUCCEEDED');
    expect(await store.counts('second')).toEqual({ found: 10, done: 2, skipped: 8, failed: 0 });
    expect((dest.calls.upsertRun ?? 0) - upserts).toBe(2);
    expect(source.historyReads - reads).toBe(2);
    expect(dest.runs.get(`team/p/${changed.runId}`)?.history).toHaveLength(30);
    expect(dest.runs.get(`team/p/${source.all[5]!.runId}`)?.history).toHaveLength(25);

    const before = dest.appends.length;
    expect(await run('full', false)).toBe('SUCCEEDED');
    expect(await store.counts('full')).toEqual({ found: 10, done: 10, skipped: 0, failed: 0 });
    // Rewritten from offset 0 in chunks of 10, replacing rows: no run grows.
    expect(dest.appends.slice(before).filter((a) => a.offset === 0)).toHaveLength(10);
    for (const r of dest.runs.values()) expect(r.history).toHaveLength(r.spec.runId === changed.runId ? 30 : 25);
  });

  it('keeps going past failing runs, and a stopped job leaves its cut-off runs pending, resumable from the ledger', async () => {
    const source = fakeSource(12, 40);
    const dest = new MemoryDestination();
    dest.reject.add(source.all[2]!.runId);
    dest.reject.add(source.all[7]!.runId);
    let writes = 0;
    const runner = new JobRunner(job('j', true), { store, source, destination: dest, logger: createLogger('silent'), historyChunk: 10 });
    dest.beforeWrite = async (op) => {
      if (op === 'appendHistory' && ++writes === 15) runner.stop('shutdown');
    };
    expect(await runner.run()).toBe('RUNNING');
    const stopped = await store.counts('j');
    expect(stopped.done + stopped.failed).toBeLessThan(12);
    const written = dest.appends.length;
    const heldAtStop = new Map([...dest.runs.values()].map((r) => [r.spec.runId, r.history.length]));
    const resumed = await new JobRunner(job('j', true), { store, source, destination: dest, logger: createLogger('silent'), historyChunk: 10 }).run();
    expect(resumed).toBe('SUCCEEDED');
    expect(await store.counts('j')).toEqual({ found: 12, done: 10, skipped: 0, failed: 2 });
    expect((await store.problems('j', 10)).map((p) => p.runId).sort()).toEqual([source.all[2]!.runId, source.all[7]!.runId]);
    for (const r of dest.runs.values()) if (!dest.reject.has(r.spec.runId)) expect(r.history).toHaveLength(40);
    // Cut-off runs continued from the offsets their ledger recorded, not from the start.
    const after = dest.appends.slice(written);
    for (const [runId, held] of heldAtStop) {
      const first = after.find((a) => a.runId === runId);
      if (first && held > 0 && !dest.reject.has(runId)) expect(first.offset).toBe(held);
    }
    expect(after.some((a) => a.offset > 0 && heldAtStop.get(a.runId) === a.offset)).toBe(true);
  });
});
