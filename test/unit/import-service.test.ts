import { loadConfig } from '../../src/config';
import type { ImportSource } from '../../src/imports/source';
import { fakeSource } from '../helpers/fake-import-source';
import { ImportService, type ImportSettings } from '../../src/imports/service';
import { openPostgresStore } from '../../src/imports/store/postgres';
import { createLogger } from '../../src/logger';
import { createSources } from '../../src/sources';
import { CallLog } from '../../src/sources/upstream';
import { MemoryDestination } from '../helpers/memory-destination';
import { freshPostgresSchema } from '../helpers/postgres';

const SETTINGS: ImportSettings = { leaseMs: 400, pollMs: 50, maxJobs: 2, historyChunk: 10, runsPerPage: 100, pointsPerPage: 100 };
const REQUEST = { source: 'mlflow', destination: { source: 'wandb', entity: 'team', project: 'p' }, options: { parallelism: 3 } };

/** Two gateway replicas sharing one PostgreSQL: each builds its own service over the same schema. */
async function replica(url: string, source: ImportSource, dest: MemoryDestination): Promise<ImportService> {
  const config = loadConfig({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:1', WANDB_API_KEY: 'local-mlgatetestkey0123456789abcdefghijklmnopqrs', WANDB_BASE_URL: 'http://127.0.0.1:1' });
  const sources = createSources(config, { fetch: () => Promise.reject(new Error('no network in this test')), recorder: new CallLog() });
  // The MLflow connector is replaced by the in-memory source; the W&B one by the double.
  const mlflow = sources.get('mlflow') as unknown as { importSource: () => ImportSource };
  mlflow.importSource = () => source;
  return new ImportService(await openPostgresStore(url), sources, createLogger('silent'), SETTINGS, (name) => (name === 'wandb' ? dest : null));
}

async function until<T>(f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

describe('import service on PostgreSQL with several replicas', () => {
  it('runs a job on exactly one replica, each run written once, and takes over a job whose replica died', async () => {
    const schema = await freshPostgresSchema();
    const source = fakeSource(60, 25);
    const dest = new MemoryDestination();
    dest.beforeWrite = () => new Promise((ok) => setTimeout(ok, 2));
    const a = await replica(schema.url, source, dest);
    const b = await replica(schema.url, source, dest);
    let closed = false;
    try {
      a.begin();
      b.begin();
      const job = await a.startImport(REQUEST);
      const done = await until(async () => {
        const j = await b.get(job.id);
        return j?.state === 'SUCCEEDED' ? j : null;
      });
      expect(done.state).toBe('SUCCEEDED');
      expect(await a.store.counts(job.id)).toEqual({ found: 60, done: 60, skipped: 0, failed: 0 });
      expect(dest.calls.upsertRun).toBe(60);
      expect(dest.runs.size).toBe(60);
      for (const run of dest.runs.values()) expect(run.history).toHaveLength(25);

      await a.close();
      await b.close();
      closed = true;

      // A replica that dies mid-job (its lease is never renewed) loses the job to another one.
      const slow = new MemoryDestination();
      slow.beforeWrite = () => new Promise((ok) => setTimeout(ok, 10));
      const c = await replica(schema.url, fakeSource(40, 25), slow);
      c.begin();
      const second = await c.startImport({ ...REQUEST, destination: { ...REQUEST.destination, project: 'q' } });
      await until(async () => slow.runs.size >= 5);
      // Dies without releasing anything: its timers stop, its writes stop.
      (c as unknown as { closed: boolean }).closed = true;
      for (const active of (c as unknown as { active: Map<string, { runner: { stop(r: string): void }; timer: NodeJS.Timeout }> }).active.values()) {
        clearInterval(active.timer);
        active.runner.stop('lease-lost');
      }
      expect((await c.store.getJob(second.id))?.state).toBe('RUNNING');
      expect(slow.runs.size).toBeLessThan(40);
      const d = await replica(schema.url, fakeSource(40, 25), slow);
      d.begin();
      const taken = await until(async () => {
        const j = await d.get(second.id);
        return j?.state === 'SUCCEEDED' ? j : null;
      });
      expect(taken.state).toBe('SUCCEEDED');
      expect(await d.store.counts(second.id)).toEqual({ found: 40, done: 40, skipped: 0, failed: 0 });
      expect([...slow.runs.values()].every((r) => r.history.length === 25)).toBe(true);
      await d.close();
      await c.store.close();
    } finally {
      if (!closed) {
        await a.close();
        await b.close();
      }
      await schema.drop();
    }
  }, 60_000);
});
