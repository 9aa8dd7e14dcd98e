import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import initSqlJs, { type Database } from 'sql.js';
import { SCHEMA, SqlJobStore, type SqlDriver } from './sql-store';

/**
 * SQLite compiled to WebAssembly (sql.js): no native build, so it installs where package install
 * scripts are blocked. The database lives in memory and is written to the file after each change
 * (coalesced within one tick), by a write to a temporary file, fsync and rename: a kill at any
 * moment leaves the previous or the new file, never a torn one. One process per file: several
 * replicas share PostgreSQL instead.
 */
class SqliteDriver implements SqlDriver {
  private pending: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly path: string,
  ) {}

  query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params as never);
      const rows: T[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject() as T);
      return Promise.resolve(rows);
    } finally {
      stmt.free();
    }
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    this.db.run(sql, params as never);
    const changed = this.db.getRowsModified();
    await this.persist();
    return changed;
  }

  /** In memory the statements run one after another in this tick; the file gets all of them in one write. */
  async batch(statements: Array<[string, unknown[]]>): Promise<void> {
    this.db.run('BEGIN');
    try {
      for (const [sql, params] of statements) this.db.run(sql, params as never);
      this.db.run('COMMIT');
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
    await this.persist();
  }

  /** Every change of this tick reaches the file in one write; callers resume once it has. */
  private persist(): Promise<void> {
    this.pending ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.pending = null;
        try {
          writeAtomically(this.path, this.db.export());
          resolve();
        } catch (e) {
          reject(e as Error);
        }
      }),
    );
    return this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
    this.db.close();
    releaseLock(this.path);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Each process keeps the database in memory and rewrites the file, so two processes on one file
 * would overwrite each other's jobs: a lock file holding the owner's pid refuses a second live
 * process. A killed owner leaves its lock behind; it is taken over, since that pid is gone.
 */
function takeLock(path: string): void {
  const lock = `${path}.lock`;
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const owner = Number(readFileSync(lock, 'utf8'));
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
    throw new Error(`The import jobs file ${path} is in use by process ${owner}; give each gateway its own MLGATE_JOBS_DB, or share MLGATE_JOBS_DATABASE_URL (PostgreSQL) between replicas.`);
  }
  writeFileSync(lock, String(process.pid));
}

function releaseLock(path: string): void {
  const lock = `${path}.lock`;
  if (existsSync(lock) && readFileSync(lock, 'utf8') === String(process.pid)) rmSync(lock, { force: true });
}

function writeAtomically(path: string, data: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export async function openSqliteStore(path: string): Promise<SqlJobStore> {
  const SQL = await initSqlJs();
  mkdirSync(dirname(path), { recursive: true });
  takeLock(path);
  const db = existsSync(path) ? new SQL.Database(readFileSync(path)) : new SQL.Database();
  const driver = new SqliteDriver(db, path);
  for (const ddl of SCHEMA) await driver.run(ddl);
  return new SqlJobStore(driver);
}
