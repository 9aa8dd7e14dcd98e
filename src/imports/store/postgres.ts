import { Pool } from 'pg';
import { SCHEMA, SqlJobStore, type SqlDriver } from './sql-store';

/** Any number for the advisory lock that serialises schema creation across replicas starting together. */
const SCHEMA_LOCK = 716_201;

class PgDriver implements SqlDriver {
  constructor(private readonly pool: Pool) {}

  /** `?` placeholders become `$1, $2, ...` (no statement here has a `?` inside a literal). */
  private static numbered(sql: string): string {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  }

  async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(PgDriver.numbered(sql), params)).rows as T[];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(PgDriver.numbered(sql), params)).rowCount ?? 0;
  }

  async batch(statements: Array<[string, unknown[]]>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const [sql, params] of statements) await client.query(PgDriver.numbered(sql), params);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** PostgreSQL for several replicas: the lease columns decide which one runs a job. */
export async function openPostgresStore(url: string): Promise<SqlJobStore> {
  const pool = new Pool({ connectionString: url, max: 4 });
  // An idle client's error (the server restarting) must not crash the gateway; the next query reports it.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    for (const ddl of SCHEMA) await client.query(ddl);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => undefined);
    client.release();
  }
  return new SqlJobStore(new PgDriver(pool));
}
