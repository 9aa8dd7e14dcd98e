import type { DestinationRunState, ImportDestination, ImportHistoryRow, ImportNamespace, ImportRunSpec } from '../../src/imports/destination';

export interface StoredRun {
  spec: ImportRunSpec;
  history: ImportHistoryRow[];
  files: Map<string, Buffer>;
  exitCode: number | null;
  summary: Record<string, unknown>;
}

/**
 * A unit-test double of the W&B destination with the semantics the seam promises: upsertRun is
 * idempotent, a history chunk at `offset` replaces rows from there (a gap is refused), and every
 * call is counted by method. `reject` makes chosen runs' history writes fail, as W&B refusing them would.
 */
export class MemoryDestination implements ImportDestination {
  readonly runs = new Map<string, StoredRun>();
  readonly calls: Record<string, number> = {};
  /** Run ids whose history writes are refused. */
  readonly reject = new Set<string>();
  /** Called before each write, e.g. to slow the import down. */
  beforeWrite: (op: string, runId: string) => Promise<void> = () => Promise.resolve();
  /** Every history write, in order: which run, at which offset, how many rows. */
  readonly appends: Array<{ runId: string; offset: number; rows: number }> = [];
  concurrent = 0;
  maxConcurrent = 0;

  private count(op: string): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
  }

  writes(): number {
    return Object.entries(this.calls).filter(([op]) => op !== 'state').reduce((s, [, n]) => s + n, 0);
  }

  static key(ns: ImportNamespace, runId: string): string {
    return `${ns.entity}/${ns.project}/${runId}`;
  }

  private async write<T>(op: string, runId: string, f: () => T): Promise<T> {
    this.count(op);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      await this.beforeWrite(op, runId);
      return f();
    } finally {
      this.concurrent--;
    }
  }

  async state(ns: ImportNamespace, runId: string): Promise<DestinationRunState> {
    this.count('state');
    const run = this.runs.get(MemoryDestination.key(ns, runId));
    if (!run) return { exists: false, config: {}, summary: {}, historyLength: 0 };
    return { exists: true, config: structuredClone(run.spec.config), summary: { ...run.spec.summary, ...run.summary, _wandb: { runtime: 1 } }, historyLength: run.history.length };
  }

  upsertRun(ns: ImportNamespace, spec: ImportRunSpec): Promise<void> {
    return this.write('upsertRun', spec.runId, () => {
      const key = MemoryDestination.key(ns, spec.runId);
      const run = this.runs.get(key);
      if (run) run.spec = structuredClone(spec);
      else this.runs.set(key, { spec: structuredClone(spec), history: [], files: new Map(), exitCode: null, summary: {} });
    });
  }

  appendHistory(ns: ImportNamespace, runId: string, offset: number, rows: ImportHistoryRow[]): Promise<void> {
    return this.write('appendHistory', runId, () => {
      this.appends.push({ runId, offset, rows: rows.length });
      if (this.reject.has(runId)) throw new Error('W&B refused the history rows (HTTP 400)');
      const run = this.runs.get(MemoryDestination.key(ns, runId));
      if (!run) throw new Error('no such run');
      if (offset > run.history.length) throw new Error(`gap: offset ${offset} after ${run.history.length} rows`);
      run.history.splice(offset, rows.length, ...structuredClone(rows));
    });
  }

  async uploadFile(ns: ImportNamespace, runId: string, path: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const bytes = Buffer.from(await new Response(body).arrayBuffer());
    return this.write('uploadFile', runId, () => {
      const run = this.runs.get(MemoryDestination.key(ns, runId));
      if (!run) throw new Error('no such run');
      run.files.set(path, bytes);
    });
  }

  finish(ns: ImportNamespace, runId: string, exitCode: number, summary: Record<string, unknown>): Promise<void> {
    return this.write('finish', runId, () => {
      const run = this.runs.get(MemoryDestination.key(ns, runId));
      if (!run) throw new Error('no such run');
      run.exitCode = exitCode;
      run.summary = structuredClone(summary);
    });
  }
}
