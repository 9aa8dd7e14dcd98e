import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GET, START, TERMINAL, type Job } from '../helpers/import-gql';
import { pythonFileJson } from '../helpers/python';
import { buildTestApp, errorCodes, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';

/** What the importer writes to W&B, by the gateway's own upstream call names. */
const WRITES = ['wandb.upsertBucket', 'wandb.fileStream', 'wandb.createRunFiles', 'wandb.files.upload', 'wandb.markRunFilesUploaded'];

describe('import jobs: W&B → W&B', () => {
  let wandb: WandbServer;
  let app: TestApp;
  const seed = testSeed();
  const vision = seed.projects.find((p) => p.name === 'vision')!;
  const bulk = seed.projects.find((p) => p.name === 'bulk')!;

  beforeAll(async () => {
    wandb = await startWandbServer({ seed, apiKey: TEST_WANDB_KEY });
    app = await buildTestApp({
      env: { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, MLGATE_JOBS_DB: join(mkdtempSync(join(tmpdir(), 'mlgate-wb-import-')), 'jobs.sqlite'), MLGATE_IMPORT_POLL_MS: '200' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await wandb?.stop();
  });

  const input = (experiments: string[] | null, project: string, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    source: 'wandb',
    ...(experiments ? { experiments } : {}),
    destination: { source: 'wandb', entity: 'copies', project },
    options: { parallelism: 4, ...options },
    ...extra,
  });

  async function run(inp: Record<string, unknown>): Promise<Job> {
    const res = await app.gql<{ startImport: Job }>(START, { input: inp });
    if (!res.data?.startImport) throw new Error(JSON.stringify(res.errors));
    const until = Date.now() + 120_000;
    for (;;) {
      const job = (await app.gql<{ importJob: Job }>(GET, { id: res.data.startImport.id })).data!.importJob;
      if (TERMINAL.includes(job.state)) return job;
      if (Date.now() > until) throw new Error(`job still ${job.state}: ${JSON.stringify(job.counts)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  const writes = () => WRITES.reduce((n, op) => n + app.calls.count(op), 0);
  const check = (source: string, dest: string, files: boolean) =>
    pythonFileJson<{ runs: number; rows: number; files: number; mismatches: unknown[] }>(
      'check_wandb_copy.py',
      ['--wandb-url', wandb.url, '--source', source, '--dest', dest, ...(files ? ['--files'] : [])],
      { WANDB_API_KEY: TEST_WANDB_KEY },
    );

  it('refuses a W&B source without named projects, an unknown or malformed project, and a project imported into itself, writing nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [input(null, 'x'), 'BAD_USER_INPUT', /name the projects to import/],
      [input(['mlgate/nope'], 'x'), 'NOT_FOUND', /no project 'mlgate\/nope'/],
      [input(['vision'], 'x'), 'BAD_USER_INPUT', /not a W&B project path/],
      [{ ...input(['mlgate/vision'], 'vision'), destination: { source: 'wandb', entity: 'mlgate', project: 'vision' } }, 'BAD_USER_INPUT', /into itself/],
    ];
    for (const [inp, code, message] of cases) {
      const res = await app.gql(START, { input: inp });
      expect({ code: errorCodes(res)[0], message: res.errors?.[0]?.message }).toEqual({ code, message: expect.stringMatching(message) });
    }
    expect(writes()).toBe(0);
  });

  it('copies every run of a project with its full history and files; the wandb SDK reads the copy as the original, row for row', async () => {
    app.calls.reset();
    const job = await run(input(['mlgate/vision'], 'vision-copy', { includeArtifacts: true }));
    expect(job).toMatchObject({ state: 'SUCCEEDED', counts: { found: vision.runs.length, done: vision.runs.length, skipped: 0, failed: 0 }, error: null });
    // One listing page; history in scan_history's 1000-step windows: 1 per 50-step run, 3 for the 2500-step one.
    expect(app.calls.count('wandb.runs')).toBe(1 + vision.runs.length);
    expect(app.calls.count('wandb.historyPage')).toBe(vision.runs.length - 1 + 3);
    const result = await check('mlgate/vision', 'copies/vision-copy', true);
    expect(result).toEqual({ runs: vision.runs.length, rows: 6 * 50 + 2500, files: 2 * vision.runs.length, mismatches: [] });
    expect(wandb.store.run('copies', 'vision-copy', 'longhist1')?.history).toHaveLength(2500);
  });

  it('re-running incrementally verifies each run against the copy and skips it, writing nothing', async () => {
    app.calls.reset();
    const job = await run(input(['mlgate/vision'], 'vision-copy'));
    expect(job.counts).toEqual({ found: vision.runs.length, done: 0, skipped: vision.runs.length, failed: 0 });
    expect(writes()).toBe(0);
    expect(app.calls.count('wandb.historyPage')).toBe(0);
  });

  it('copies only the runs a filter matches (pushed down to W&B), from two projects into remapped destinations', async () => {
    const job = await run({
      ...input(['mlgate/vision', 'mlgate/bulk'], 'filtered', {}, { filter: { 'config.experiment_name': 'foo' } }),
      destination: { source: 'wandb', entity: 'copies', project: 'filtered', remap: [{ experiment: 'mlgate/bulk', project: 'filtered-bulk' }] },
    });
    const foo = (runs: typeof vision.runs) => runs.filter((r) => r.config?.experiment_name === 'foo').length;
    expect(job.counts).toEqual({ found: foo(vision.runs) + foo(bulk.runs), done: foo(vision.runs) + foo(bulk.runs), skipped: 0, failed: 0 });
    const copied = { vision: wandb.store.project('copies', 'filtered')?.runs ?? [], bulk: wandb.store.project('copies', 'filtered-bulk')?.runs ?? [] };
    expect(copied.vision).toHaveLength(foo(vision.runs));
    expect(copied.bulk).toHaveLength(foo(bulk.runs));
    expect(foo(bulk.runs)).toBeGreaterThan(10);
    for (const r of [...copied.vision, ...copied.bulk]) expect(r.config).toMatchObject({ experiment_name: { value: 'foo' } });
  });

  it('two source runs with one id going to one project: the second is a problem, never an overwrite', async () => {
    await run(input(['mlgate/vision'], 'dupe-src-copy'));
    // The same project read twice under two paths is not possible; a second project holding a run of the same id is.
    const before = wandb.store.run('copies', 'dupe-src-copy', 'run00001')!;
    wandb.store.createRun('mlgate', 'other', 'run00001').notes = 'a different run with the same id';
    const job = await run(input(['mlgate/vision', 'mlgate/other'], 'dupes', {}, {}));
    expect(job.counts).toMatchObject({ found: vision.runs.length + 1, done: vision.runs.length, failed: 1 });
    expect(job.problems).toEqual([{ runId: 'mlgate/other/run00001', reason: expect.stringMatching(/another run of this import .* same id/), at: expect.any(String) }]);
    expect(wandb.store.run('copies', 'dupes', 'run00001')?.notes).toBe(before.notes);
  });
});
