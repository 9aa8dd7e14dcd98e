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
