import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportJobModel } from '../../src/imports/job-model';
import { createJobStore } from '../../src/imports/store/create-store';
import { openPostgresStore } from '../../src/imports/store/postgres';
import { openSqliteStore } from '../../src/imports/store/sqlite';
import type { JobStore } from '../../src/imports/store/store';
import { freshPostgresSchema } from '../helpers/postgres';

const job = (id: string, createdAt: number): ImportJobModel => ({
  id,
  state: 'QUEUED',
  createdAt,
  startedAt: null,
  endedAt: null,
  error: null,
  cancelRequested: false,
  spec: {
    source: { name: 'mlflow', experimentIds: ['1'], filter: { 'config.lr': '0.1' } },
    destination: { name: 'wandb', entity: 'team', project: 'p', remap: [{ experiment: 'e', project: 'q' }] },
    options: { includeArtifacts: true, incremental: true, parallelism: 3 },
  },
});

/** The same contract for both databases. */
function storeContract(name: string, open: () => Promise<{ store: JobStore; reopen(): Promise<JobStore>; done(): Promise<void> }>) {
  describe(`${name} job store`, () => {
    let h: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.done());

    it('stores jobs, lists them newest first with a cursor, and keeps them across a reopen', async () => {
      await h.store.createJob(job('j1', 1000));
      await h.store.createJob(job('j2', 2000));
      await h.store.createJob(job('j3', 3000));
      await h.store.setState('j1', 'RUNNING', { startedAt: 1500 });
      expect((await h.store.listJobs(2, null)).map((j) => j.id)).toEqual(['j3', 'j2']);
      expect((await h.store.listJobs(2, 'j2')).map((j) => j.id)).toEqual(['j1']);
      const again = await h.reopen();
      expect(await again.getJob('j1')).toEqual({ ...job('j1', 1000), state: 'RUNNING', startedAt: 1500 });
      expect(await again.getJob('nope')).toBeNull();
    });

    it('gives a job to one owner at a time, and to another once the lease expires or is released', async () => {
      await h.store.createJob(job('j', 1));
      expect(await h.store.claimable(100)).toEqual(['j']);
      expect(await h.store.claim('j', 'a', 100, 200)).toBe(true);
      expect(await h.store.claim('j', 'b', 150, 250)).toBe(false);
      expect(await h.store.claimable(150)).toEqual([]);
      expect(await h.store.claim('j', 'a', 180, 300)).toBe(true);
      expect(await h.store.claim('j', 'b', 301, 400)).toBe(true);
      await h.store.release('j', 'b');
      expect(await h.store.claimable(302)).toEqual(['j']);
      await h.store.setState('j', 'SUCCEEDED', { endedAt: 500 });
      expect(await h.store.claim('j', 'c', 600, 700)).toBe(false);
      expect(await h.store.claimable(600)).toEqual([]);
    });

    it('counts outcomes, lists problems, and keeps the ledger per destination', async () => {
      await h.store.createJob(job('j', 1));
      await h.store.addFound('j', ['r1', 'r2', 'r3', 'r4'], 10);
      await h.store.putOutcome('j', 'r1', 'done', null, 11);
      await h.store.putOutcome('j', 'r2', 'skipped', null, 12);
      await h.store.putOutcome('j', 'r3', 'failed', 'history refused', 13);
      await h.store.addFound('j', ['r1', 'r5'], 20);
      expect(await h.store.counts('j')).toEqual({ found: 5, done: 1, skipped: 1, failed: 1 });
      expect(await h.store.problems('j', 10)).toEqual([{ runId: 'r3', reason: 'history refused', at: 13 }]);
      expect([...(await h.store.outcomes('j', ['r1', 'r5', 'zz'])).entries()]).toEqual([['r1', 'done'], ['r5', 'pending']]);
      await h.store.putLedger('wandb/team/p', { runId: 'r1', status: 'importing', historyOffset: 1000, historyRows: 3000, updatedAt: 5 });
      await h.store.putLedger('wandb/team/p', { runId: 'r1', status: 'verified', historyOffset: 3000, historyRows: 3000, updatedAt: 6 });
      const again = await h.reopen();
      expect((await again.ledger('wandb/team/p', ['r1', 'r2'])).get('r1')).toEqual({ runId: 'r1', status: 'verified', historyOffset: 3000, historyRows: 3000, updatedAt: 6 });
      expect((await again.ledger('wandb/team/other', ['r1'])).size).toBe(0);
      await again.settleRun('j', 'r5', 'wandb/team/p', { runId: 'r5', status: 'verified', historyOffset: 7, historyRows: 7, updatedAt: 30 }, 'done', null);
      expect((await again.ledger('wandb/team/p', ['r5'])).get('r5')?.status).toBe('verified');
      expect((await again.outcomes('j', ['r5'])).get('r5')).toBe('done');
    });

    it('records cancellation requests', async () => {
      await h.store.createJob(job('j', 1));
      await h.store.requestCancel('j');
      expect((await h.store.getJob('j'))?.cancelRequested).toBe(true);
    });
  });
}

storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlgate-jobs-'));
  const path = join(dir, 'jobs.sqlite');
  const stores: JobStore[] = [await openSqliteStore(path)];
  return {
    store: stores[0] as JobStore,
    reopen: async () => {
      // A second process opening the file sees everything the first has written.
      const s = await openSqliteStore(path);
      stores.push(s);
      return s;
    },
    done: async () => {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract('PostgreSQL', async () => {
  const schema = await freshPostgresSchema();
  const stores: JobStore[] = [await openPostgresStore(schema.url)];
  return {
    store: stores[0] as JobStore,
    reopen: async () => {
      const s = await openPostgresStore(schema.url);
      stores.push(s);
      return s;
    },
    done: async () => {
      for (const s of stores) await s.close();
      await schema.drop();
    },
  };
});

describe('PostgreSQL leases across replicas', () => {
  it('lets exactly one of many replicas claim a job when they race', async () => {
    const schema = await freshPostgresSchema();
    const replicas = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(schema.url)));
    try {
      await replicas[0]!.createJob(job('j', 1));
      const wins = await Promise.all(replicas.map((r, i) => r.claim('j', `replica-${i}`, 100, 10_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    } finally {
      for (const r of replicas) await r.close();
      await schema.drop();
    }
  });
});

describe('SQLite job file', () => {
  it('refuses a second live process on one file, and takes over the lock of a killed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgate-jobs-'));
    const path = join(dir, 'jobs.sqlite');
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(`${path}.lock`, String(other.pid));
      await expect(openSqliteStore(path)).rejects.toThrow(/in use by process \d+; give each gateway its own MLGATE_JOBS_DB, or share MLGATE_JOBS_DATABASE_URL/);
      other.kill('SIGKILL');
      await new Promise((ok) => other.once('exit', ok));
      const store = await openSqliteStore(path);
      expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
      await store.close();
      expect(existsSync(`${path}.lock`)).toBe(false);
    } finally {
      other.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not created by a gateway that never imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgate-jobs-'));
    const path = join(dir, 'sub', 'jobs.sqlite');
    const store = await createJobStore({ kind: 'sqlite', path });
    expect(await store.claimable(Date.now())).toEqual([]);
    expect(await store.listJobs(10, null)).toEqual([]);
    expect(existsSync(path)).toBe(false);
    await store.createJob(job('j', 1));
    expect(existsSync(path)).toBe(true);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
