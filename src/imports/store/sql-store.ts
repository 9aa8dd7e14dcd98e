import type { ImportCounts, ImportJobModel, ImportJobState, ImportProblem, LedgerEntry, LedgerStatus, RunOutcome } from '../job-model';
import { TERMINAL } from '../job-model';
import type { JobStore } from './store';

/** The little SQL both databases share: `?` placeholders (the PostgreSQL driver numbers them). */
export interface SqlDriver {
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Statements applied together or not at all. */
  batch(statements: Array<[string, unknown[]]>): Promise<void>;
  close(): Promise<void>;
}

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS import_jobs (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, spec TEXT NOT NULL, created_at BIGINT NOT NULL,
    started_at BIGINT, ended_at BIGINT, error TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT, lease_until BIGINT)`,
  `CREATE TABLE IF NOT EXISTS import_job_runs (
    job_id TEXT NOT NULL, run_id TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, at BIGINT NOT NULL,
    PRIMARY KEY (job_id, run_id))`,
  `CREATE TABLE IF NOT EXISTS import_ledger (
    destination TEXT NOT NULL, run_id TEXT NOT NULL, status TEXT NOT NULL, history_offset BIGINT NOT NULL,
    history_rows BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (destination, run_id))`,
];

interface JobRow {
  id: string;
  state: string;
  spec: string;
  created_at: number | string;
  started_at: number | string | null;
  ended_at: number | string | null;
  error: string | null;
  cancel_requested: number | string;
}

/** PostgreSQL returns BIGINT as a string. */
const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toJob(r: JobRow): ImportJobModel {
  return {
    id: r.id,
    state: r.state as ImportJobState,
    spec: JSON.parse(r.spec) as ImportJobModel['spec'],
    createdAt: num(r.created_at),
    startedAt: numOrNull(r.started_at),
    endedAt: numOrNull(r.ended_at),
    error: r.error,
    cancelRequested: num(r.cancel_requested) === 1,
  };
}

const CHUNK = 500;
const chunks = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));
const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
const JOB_COLUMNS = 'id, state, spec, created_at, started_at, ended_at, error, cancel_requested';

const ledgerUpsert = (destination: string, e: LedgerEntry): [string, unknown[]] => [
  `INSERT INTO import_ledger (destination, run_id, status, history_offset, history_rows, updated_at) VALUES (?, ?, ?, ?, ?, ?)
   ON CONFLICT (destination, run_id) DO UPDATE SET status = excluded.status, history_offset = excluded.history_offset,
   history_rows = excluded.history_rows, updated_at = excluded.updated_at`,
  [destination, e.runId, e.status, e.historyOffset, e.historyRows, e.updatedAt],
];

const outcomeUpsert = (jobId: string, runId: string, outcome: RunOutcome, reason: string | null, at: number): [string, unknown[]] => [
  `INSERT INTO import_job_runs (job_id, run_id, outcome, reason, at) VALUES (?, ?, ?, ?, ?)
   ON CONFLICT (job_id, run_id) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason, at = excluded.at`,
  [jobId, runId, outcome, reason, at],
];

/** The store over any SqlDriver; the statements are the same for SQLite and PostgreSQL. */
export class SqlJobStore implements JobStore {
  constructor(private readonly db: SqlDriver) {}

  async createJob(job: ImportJobModel): Promise<void> {
    await this.db.run(`INSERT INTO import_jobs (${JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      job.id,
      job.state,
      JSON.stringify(job.spec),
      job.createdAt,
      job.startedAt,
      job.endedAt,
      job.error,
      job.cancelRequested ? 1 : 0,
    ]);
  }

  async getJob(id: string): Promise<ImportJobModel | null> {
    const rows = await this.db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_jobs WHERE id = ?`, [id]);
    return rows[0] ? toJob(rows[0]) : null;
  }

  async listJobs(first: number, afterId: string | null): Promise<ImportJobModel[]> {
    const rows = afterId
      ? await this.db.query<JobRow>(
          `SELECT ${JOB_COLUMNS} FROM import_jobs j WHERE (j.created_at, j.id) < (SELECT a.created_at, a.id FROM import_jobs a WHERE a.id = ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
          [afterId, first],
        )
      : await this.db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_jobs ORDER BY created_at DESC, id DESC LIMIT ?`, [first]);
    return rows.map(toJob);
  }

  async claim(id: string, owner: string, now: number, until: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE import_jobs SET lease_owner = ?, lease_until = ?
       WHERE id = ? AND state IN ('QUEUED', 'RUNNING') AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
      [owner, until, id, owner, now],
    );
    return changed === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db.run(`UPDATE import_jobs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?`, [id, owner]);
  }

  async claimable(now: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM import_jobs WHERE state IN ('QUEUED', 'RUNNING') AND (lease_owner IS NULL OR lease_until < ?) ORDER BY created_at, id`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  async setState(id: string, state: ImportJobState, f: { startedAt?: number; endedAt?: number; error?: string | null }): Promise<void> {
    const release = TERMINAL.has(state);
    await this.db.run(
      `UPDATE import_jobs SET state = ?, started_at = COALESCE(started_at, ?), ended_at = COALESCE(?, ended_at), error = COALESCE(?, error)
       ${release ? ', lease_owner = NULL, lease_until = NULL' : ''} WHERE id = ?`,
      [state, f.startedAt ?? null, f.endedAt ?? null, f.error ?? null, id],
    );
  }

  async requestCancel(id: string): Promise<void> {
    await this.db.run(`UPDATE import_jobs SET cancel_requested = 1 WHERE id = ?`, [id]);
  }

  async ledger(destination: string, runIds: string[]): Promise<Map<string, LedgerEntry>> {
    const out = new Map<string, LedgerEntry>();
    for (const ids of chunks(runIds)) {
      const rows = await this.db.query<{ run_id: string; status: string; history_offset: number | string; history_rows: number | string; updated_at: number | string }>(
        `SELECT run_id, status, history_offset, history_rows, updated_at FROM import_ledger WHERE destination = ? AND run_id IN (${marks(ids.length)})`,
        [destination, ...ids],
      );
      for (const r of rows) {
        out.set(r.run_id, { runId: r.run_id, status: r.status as LedgerStatus, historyOffset: num(r.history_offset), historyRows: num(r.history_rows), updatedAt: num(r.updated_at) });
      }
    }
    return out;
  }

  async putLedger(destination: string, e: LedgerEntry): Promise<void> {
    await this.db.run(...ledgerUpsert(destination, e));
  }

  async settleRun(jobId: string, runKey: string, destination: string, e: LedgerEntry, outcome: RunOutcome, reason: string | null): Promise<void> {
    await this.db.batch([ledgerUpsert(destination, e), outcomeUpsert(jobId, runKey, outcome, reason, e.updatedAt)]);
  }

  async addFound(jobId: string, runIds: string[], at: number): Promise<void> {
    for (const ids of chunks(runIds)) {
      await this.db.run(
        `INSERT INTO import_job_runs (job_id, run_id, outcome, reason, at) VALUES ${ids.map(() => "(?, ?, 'pending', NULL, ?)").join(', ')}
         ON CONFLICT (job_id, run_id) DO NOTHING`,
        ids.flatMap((id) => [jobId, id, at]),
      );
    }
  }

  async outcomes(jobId: string, runIds: string[]): Promise<Map<string, RunOutcome>> {
    const out = new Map<string, RunOutcome>();
    for (const ids of chunks(runIds)) {
      const rows = await this.db.query<{ run_id: string; outcome: string }>(`SELECT run_id, outcome FROM import_job_runs WHERE job_id = ? AND run_id IN (${marks(ids.length)})`, [jobId, ...ids]);
      for (const r of rows) out.set(r.run_id, r.outcome as RunOutcome);
    }
    return out;
  }

  async putOutcome(jobId: string, runId: string, outcome: RunOutcome, reason: string | null, at: number): Promise<void> {
    await this.db.run(...outcomeUpsert(jobId, runId, outcome, reason, at));
  }

  async counts(jobId: string): Promise<ImportCounts> {
    const rows = await this.db.query<{ outcome: string; n: number | string }>(`SELECT outcome, COUNT(*) AS n FROM import_job_runs WHERE job_id = ? GROUP BY outcome`, [jobId]);
    const by = Object.fromEntries(rows.map((r) => [r.outcome, num(r.n)])) as Partial<Record<RunOutcome, number>>;
    return { found: rows.reduce((s, r) => s + num(r.n), 0), done: by.done ?? 0, skipped: by.skipped ?? 0, failed: by.failed ?? 0 };
  }

  async problems(jobId: string, first: number): Promise<ImportProblem[]> {
    const rows = await this.db.query<{ run_id: string; reason: string | null; at: number | string }>(
      `SELECT run_id, reason, at FROM import_job_runs WHERE job_id = ? AND outcome = 'failed' ORDER BY at, run_id LIMIT ?`,
      [jobId, first],
    );
    return rows.map((r) => ({ runId: r.run_id, reason: r.reason ?? '', at: num(r.at) }));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
