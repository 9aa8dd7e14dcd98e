import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';
import { checkImport, seededImportMlflow, type ImportSeed } from '../helpers/import-fixture';
import { MemoryDestination } from '../helpers/memory-destination';
import { buildTestApp, type GqlResult, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import { bundleChild, childGql, startChild, until } from '../helpers/child-gateway';
import { GET, JOB, START, TERMINAL, type Job } from '../helpers/import-gql';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { viewer: `vk-${randomUUID()}`, editor: `ek-${randomUUID()}`, admin: `ak-${randomUUID()}` };

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe('import jobs: MLflow → W&B', () => {
  let mlflow: Awaited<ReturnType<typeof seededImportMlflow>>;
  let seed: ImportSeed;
  let wandb: WandbServer;
  let app: TestApp;
  /** The destination double, for what needs exact control (refusals, slow writes); off, imports go to the W&B test server. */
  const dest = new MemoryDestination();
  let useDouble = true;
  const dir = mkdtempSync(join(tmpdir(), 'mlgate-import-test-'));

  beforeAll(async () => {
    [mlflow, wandb] = await Promise.all([seededImportMlflow(), startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY })]);
    seed = mlflow.seed;
    process.stdout.write(`import seed: ${seed.runs} runs in ${seed.seconds} s\n`);
    const keys = join(dir, 'keys.json');
    writeFileSync(keys, JSON.stringify(Object.entries(KEYS).map(([role, key]) => ({ name: role, sha256: sha(key), role }))));
    app = await buildTestApp({
      env: {
        MLFLOW_TRACKING_URI: mlflow.server.url,
        WANDB_BASE_URL: wandb.url,
        WANDB_API_KEY: TEST_WANDB_KEY,
        MLGATE_API_KEYS_FILE: keys,
        MLGATE_JOBS_DB: join(dir, 'jobs.sqlite'),
        // Small pages, so paging through every run and every history point is exercised.
        MLGATE_IMPORT_RUNS_PER_PAGE: '400',
        MLGATE_IMPORT_POINTS_PER_PAGE: '1000',
        MLGATE_IMPORT_POLL_MS: '200',
      },
      importDestination: (name) => (name === 'wandb' && useDouble ? dest : null),
    });
  // Seeding 1044 runs through the mlflow client takes 20-60 s on a quiet 2-core machine and over 4 min on a busy one.
  }, 600_000);
  afterAll(async () => {
    await app?.stop();
    await wandb?.stop();
    await mlflow?.stop();
  });

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, key = KEYS.admin): Promise<GqlResult<T>> =>
    (await app.http.post('/graphql').set('content-type', 'application/json').set('x-api-key', key).send({ query, variables })).body as GqlResult<T>;

  const input = (over: Record<string, unknown> = {}, dst: Record<string, unknown> = {}, options: Record<string, unknown> = {}) => ({
    source: 'mlflow',
    destination: { source: 'wandb', entity: 'team', project: 'imported', ...dst },
    options: { parallelism: 4, ...options },
    ...over,
  });

  async function start(inp: Record<string, unknown>): Promise<Job> {
    const res = await gql<{ startImport: Job }>(START, { input: inp });
    if (!res.data?.startImport) throw new Error(JSON.stringify(res.errors));
    return res.data.startImport;
  }

  async function waitFor(id: string, done: (j: Job) => boolean = (j) => TERMINAL.includes(j.state), ms = 300_000): Promise<Job> {
    const until = Date.now() + ms;
    for (;;) {
      const job = (await gql<{ importJob: Job }>(GET, { id })).data?.importJob;
      if (!job) throw new Error(`job ${id} is gone`);
      if (done(job)) return job;
      if (Date.now() > until) throw new Error(`job ${id} still ${job.state}: ${JSON.stringify(job.counts)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  it('refuses bad input whole, before any job or write; editors and viewers may not import', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [input({ source: 'nope' }), 'NOT_FOUND', /No source named 'nope'/],
      [input({ source: 'wandb' }), 'BAD_USER_INPUT', /name the projects to import in experiments, as entity\/project/],
      [input({}, { source: 'mlflow' }), 'BAD_USER_INPUT', /not a W&B source/],
      [input({}, { source: 'nope' }), 'NOT_FOUND', /No source named 'nope'/],
      [input({ filter: { 'config.lr': { $between: 1 } } }), 'BAD_USER_INPUT', /\$between/],
      [input({}, {}, { parallelism: 0 }), 'BAD_USER_INPUT', /parallelism must be a whole number from 1 to 16/],
      [input({}, {}, { parallelism: 17 }), 'BAD_USER_INPUT', /parallelism/],
      [input({}, { project: 'a/b' }), 'BAD_USER_INPUT', /Destination project 'a\/b' contains/],
      [input({}, { entity: 'has space' }), 'BAD_USER_INPUT', /not a W&B entity name/],
      [input({ experiments: ['999999'] }), 'NOT_FOUND', /no active experiment with id '999999'/],
      [input({ experiments: [] }), 'BAD_USER_INPUT', /experiments is empty/],
      [input({}, { remap: [{ experiment: 'import-alpha', project: 'a' }, { experiment: 'import-alpha', project: 'b' }] }), 'BAD_USER_INPUT', /twice/],
      [input({}, { remap: [{ experiment: 'no-such-exp', project: 'a' }] }), 'BAD_USER_INPUT', /not among the experiments/],
      [input({}, { remap: [{ experiment: 'import-alpha', project: '' }] }), 'BAD_USER_INPUT', /is empty/],
    ];
    for (const [inp, code, message] of cases) {
      const res = await gql(START, { input: inp });
      expect({ inp, code: res.errors?.[0]?.extensions?.code, message: res.errors?.[0]?.message }).toEqual({ inp, code, message: expect.stringMatching(message) });
    }
    for (const key of [KEYS.editor, KEYS.viewer]) {
      const res = await gql(START, { input: input() }, key);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gql<{ importJobs: { nodes: unknown[] } }>('{ importJobs { nodes { id } } }')).data?.importJobs.nodes).toEqual([]);
    expect(dest.writes()).toBe(0);
    expect(app.calls.count('mlflow.runs.scan')).toBe(0);
    expect(wandb.operations.filter((op) => /Upsert|CreateRunFiles/.test(op))).toEqual([]);
    expect(wandb.fileStreams).toEqual([]);
  });

  const wandbProject = (project: string) => ({ url: wandb.url, apiKey: TEST_WANDB_KEY, entity: 'team', project });
  const writes = () => ['wandb.upsertBucket', 'wandb.fileStream', 'wandb.createRunFiles', 'wandb.files.upload', 'wandb.markRunFilesUploaded'].reduce((n, op) => n + app.calls.count(op), 0);

  it('imports every run of every experiment into W&B: the wandb SDK reads back what the mlflow client reads, run for run and point for point', async () => {
    useDouble = false;
    try {
      app.calls.reset();
      const t0 = performance.now();
      const started = await start(input({}, {}, { includeArtifacts: true }));
      expect(started.state).toBe('QUEUED');
      const job = await waitFor(started.id);
      const seconds = (performance.now() - t0) / 1000;
      expect(job).toMatchObject({ state: 'SUCCEEDED', counts: { found: seed.runs, done: seed.runs - 1, skipped: 0, failed: 1 }, error: null });
      expect(job.problems).toEqual([{ runId: seed.bad, reason: expect.stringMatching(/param 'mlflow_tags' has the name the import reserves/), at: expect.any(String) }]);
      expect(Date.parse(job.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(job.startedAt ?? ''));
      // 1045 runs in pages of 400, all three experiments in one search: 3 pages; nothing else lists runs.
      expect(app.calls.count('mlflow.runs.scan')).toBe(Math.ceil(seed.runs / 400));
      const imported = seed.runs - 1;
      // Per run: one UpsertBucket, the metadata file and its artifacts (4 files in all) uploaded once, one read to verify.
      expect(app.calls.count('wandb.upsertBucket')).toBe(imported);
      expect(app.calls.count('wandb.createRunFiles')).toBe(imported + 4);
      expect(app.calls.count('wandb.markRunFilesUploaded')).toBe(imported + 4);
      expect(app.calls.count('wandb.runs')).toBe(imported);
      const historyCalls = app.calls.count('mlflow.metrics.getHistory');
      expect(historyCalls).toBeGreaterThanOrEqual(2 * (seed.runs - 5) + 3 * 7);
      // Logged without steps, the run keeps all its 60 points as 40 rows, one per logging instant.
      expect(wandb.store.run('team', 'imported', seed.stepless)?.history).toHaveLength(40);
      const t1 = performance.now();
      const check = await checkImport(mlflow.server.url, wandbProject('imported'), Object.values(seed.experiments), { skip: [seed.bad], files: true });
      expect(check).toEqual({ runs: imported, points: expect.any(Number), rows: expect.any(Number), files: 4, mismatches: [] });
      expect(check.points).toBeGreaterThan(3 * 6300);
      process.stdout.write(
        `import into the W&B test server: ${seed.runs} runs, ${check.points} points (${check.rows} rows) in ${seconds.toFixed(1)} s = ` +
          `${(seed.runs / seconds).toFixed(1)} runs/s, ${(check.points / seconds).toFixed(0)} points/s; checked by wandb.Api and MlflowClient in ${((performance.now() - t1) / 1000).toFixed(1)} s; ` +
          `upstream calls ${JSON.stringify(app.calls.byOp())}\n`,
      );
    } finally {
      useDouble = true;
    }
  }, 900_000);

  it('re-running incrementally verifies every run against W&B and skips it: no write, no history read', async () => {
    useDouble = false;
    try {
      app.calls.reset();
      const streams = wandb.fileStreams.length;
      const job = await waitFor((await start(input())).id);
      expect(job).toMatchObject({ state: 'SUCCEEDED', counts: { found: seed.runs, done: 0, skipped: seed.runs - 1, failed: 1 } });
      expect(writes()).toBe(0);
      expect(wandb.fileStreams.length).toBe(streams);
      expect(app.calls.count('wandb.runs')).toBe(seed.runs - 1);
      expect(app.calls.count('mlflow.metrics.getHistory')).toBe(0);
    } finally {
      useDouble = true;
    }
  }, 300_000);

  it('records a run the destination refuses as a problem while the others succeed, and retries it next time', async () => {
    const [refused] = seed.long as [string];
    dest.reject.add(refused);
    const failing = await waitFor((await start(input({ experiments: [seed.experiments['import-long']] }, {}, { incremental: false }))).id);
    expect(failing).toMatchObject({ state: 'SUCCEEDED', counts: { found: 4, done: 2, skipped: 0, failed: 2 } });
    expect(failing.problems.map((p) => p.runId).sort()).toEqual([refused, seed.bad].sort());
    expect(failing.problems.find((p) => p.runId === refused)?.reason).toMatch(/W&B refused the history rows/);
    dest.reject.clear();
    const retry = await waitFor((await start(input({ experiments: [seed.experiments['import-long']] }))).id);
    expect(retry).toMatchObject({ state: 'SUCCEEDED', counts: { found: 4, done: 1, skipped: 2, failed: 1 } });
    expect(dest.runs.get(`team/imported/${refused}`)?.history.length).toBe(3000);
  }, 120_000);

  it('imports only runs matching a filter, into remapped projects', async () => {
    const job = await waitFor(
      (await start(input({ filter: { 'config.layers': '2', 'summary.loss': { $lt: 0.5 } } }, { project: 'filtered', remap: [{ experiment: 'import-beta', project: 'beta-copy' }] }))).id,
    );
    const alpha = [...dest.runs.keys()].filter((k) => k.startsWith('team/filtered/'));
    const beta = [...dest.runs.keys()].filter((k) => k.startsWith('team/beta-copy/'));
    expect(job.counts).toEqual({ found: alpha.length + beta.length, done: alpha.length + beta.length, skipped: 0, failed: 0 });
    expect(alpha.length).toBeGreaterThan(10);
    expect(beta.length).toBeGreaterThan(10);
    for (const key of [...alpha, ...beta]) {
      const run = dest.runs.get(key)!;
      expect(run.spec.config.layers).toBe('2');
      expect(run.spec.summary.loss as number).toBeLessThan(0.5);
    }
  }, 120_000);

  it('reads long histories in full pages (3 runs × 6300 points, pages of 1000) and measures history throughput', async () => {
    app.calls.reset();
    const t0 = performance.now();
    const job = await waitFor((await start(input({ experiments: [seed.experiments['import-long']] }, { project: 'long-bench' }, { incremental: false }))).id);
    const seconds = (performance.now() - t0) / 1000;
    expect(job.counts).toEqual({ found: 4, done: 3, skipped: 0, failed: 1 });
    const points = seed.long.reduce((n, id) => n + dest.runs.get(`team/long-bench/${id}`)!.history.reduce((m, row) => m + Object.keys(row).filter((k) => !k.startsWith('_')).length, 0), 0);
    expect(points).toBe(3 * 6300);
    // loss and acc: 3 pages each, lr: 1 page; the run that fails mapping reads nothing.
    expect(app.calls.count('mlflow.metrics.getHistory')).toBe(3 * 7);
    process.stdout.write(`history throughput: ${points} points of 3 runs in ${seconds.toFixed(2)} s = ${(points / seconds).toFixed(0)} points/s\n`);
  }, 60_000);

  it('cancels a running job: it stops writing and ends CANCELLED with what it finished', async () => {
    dest.beforeWrite = () => new Promise((ok) => setTimeout(ok, 5));
    try {
      const started = await start(input({}, { project: 'cancelled' }, { parallelism: 2 }));
      await waitFor(started.id, (j) => j.counts.done >= 20);
      const res = await gql<{ cancelImport: Job }>(`mutation($id: ID!) { cancelImport(id: $id) { ${JOB} } }`, { id: started.id });
      const job = res.data!.cancelImport;
      expect(job.state).toBe('CANCELLED');
      expect(job.counts.done).toBeLessThan(seed.runs - 1);
      const writes = dest.writes();
      await new Promise((ok) => setTimeout(ok, 500));
      expect(dest.writes()).toBe(writes);
      const again = await gql<{ cancelImport: Job }>(`mutation($id: ID!) { cancelImport(id: $id) { state } }`, { id: started.id });
      expect(again.data?.cancelImport.state).toBe('CANCELLED');
    } finally {
      dest.beforeWrite = () => Promise.resolve();
    }
  }, 120_000);

  it('survives a SIGKILL of the gateway mid-import into W&B: restarted on the same SQLite file, the job resumes where it stopped, with nothing lost or duplicated', async () => {
    const [slowRun] = seed.long as [string];
    const slowPath = `team/resumed/${slowRun}`;
    // The history offsets W&B receives for one long run, whose writes are slowed so the kill lands mid-history.
    const offsets: number[] = [];
    wandb.beforeFileStream = async (run, body) => {
      const history = body.files?.['wandb-history.jsonl'];
      if (run !== slowPath || !history) return;
      offsets.push(history.offset);
      await sleep(80);
    };
    const db = join(dir, 'resume.sqlite');
    const child = await bundleChild();
    const env = { MLFLOW_TRACKING_URI: mlflow.server.url, WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY };
    let gateway = await startChild(child, db, env);
    try {
      const started = await childGql<{ startImport: Job }>(gateway.url, START, {
        input: input({ experiments: [seed.experiments['import-beta'], seed.experiments['import-long']] }, { project: 'resumed' }),
      });
      const id = started.data!.startImport.id;
      const rows = () => wandb.store.run('team', 'resumed', slowRun)?.history.length ?? 0;
      await until(() => rows() >= 500, 300_000);
      await gateway.kill();
      const atKill = rows();
      const sentBefore = offsets.length;
      expect(atKill).toBeLessThan(3000);

      gateway = await startChild(child, db, env);
      const job = await until(async () => {
        const j = (await childGql<{ importJob: Job }>(gateway.url, GET, { id })).data?.importJob;
        return j && TERMINAL.includes(j.state) ? j : null;
      }, 300_000);
      const found = seed.counts['import-beta'] + seed.counts['import-long'];
      expect(job).toMatchObject({ state: 'SUCCEEDED', counts: { found, done: found - 1, skipped: 0, failed: 1 } });
      expect(wandb.store.project('team', 'resumed')?.runs).toHaveLength(found - 1);
      for (const runId of seed.long) expect(wandb.store.run('team', 'resumed', runId)?.history).toHaveLength(3000);
      // The cut-off run went on from the offset its ledger recorded (at most one chunk back), not from the start.
      const resumedAt = offsets[sentBefore];
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBeGreaterThanOrEqual(atKill - 100);
      expect(resumedAt).toBeLessThanOrEqual(atKill);
      process.stdout.write(`kill-and-resume into W&B: SIGKILL at history row ${atKill} of 3000 of one run; the restarted gateway resumed it at offset ${resumedAt}; ${found - 1} runs, none twice\n`);
      const check = await checkImport(mlflow.server.url, wandbProject('resumed'), [seed.experiments['import-beta'], seed.experiments['import-long']], { skip: [seed.bad] });
      expect(check).toMatchObject({ runs: found - 1, mismatches: [] });
    } finally {
      wandb.beforeFileStream = () => undefined;
      await gateway.kill();
    }
  }, 900_000);

  it('lists jobs newest first with a cursor, and answers null for an unknown job', async () => {
    const first = await gql<{ importJobs: { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } }>('{ importJobs(first: 2) { nodes { id } pageInfo { hasNextPage endCursor } } }');
    expect(first.data?.importJobs.nodes).toHaveLength(2);
    expect(first.data?.importJobs.pageInfo.hasNextPage).toBe(true);
    const rest = await gql<{ importJobs: { nodes: Array<{ id: string }> } }>('query($a: String) { importJobs(first: 50, after: $a) { nodes { id } } }', { a: first.data?.importJobs.pageInfo.endCursor });
    expect(rest.data?.importJobs.nodes.length).toBeGreaterThanOrEqual(4);
    expect((await gql<{ importJob: null }>(GET, { id: 'nope' })).data?.importJob).toBeNull();
  });
});
