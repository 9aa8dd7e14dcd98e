import { badInput, gatewayError } from '../../errors';
import type { DestinationRunState, ImportDestination, ImportHistoryRow, ImportNamespace, ImportRunSpec } from '../../imports/destination';
import { readFresh } from '../../request-scope';
import { failureOf } from '../../resilience/retry';
import { jsonObject } from './to-model';
import type { ImportWire } from './import-queries';
import type { WandbClient } from './wandb-client';

const HISTORY_FILE = 'wandb-history.jsonl';
const SUMMARY_FILE = 'wandb-summary.json';
const STATES = new Set(['finished', 'failed', 'crashed', 'running']);
/** W&B run names (ids) and file paths travel in URL paths and W&B's own keys. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface ImportWriteOptions {
  /** Rows per file_stream request. */
  maxRows: number;
  /** Approximate JSON bytes of history per file_stream request (wandb-core's own limit is 10 MiB). */
  maxBytes: number;
  /** Attempts per write, the first included. */
  attempts: number;
  /** Backoff before retry n (without Retry-After): a random time below `baseDelayMs * 2^(n-1)`. */
  baseDelayMs: number;
  /** A Retry-After longer than this ends the write with UPSTREAM_UNAVAILABLE instead of waiting. */
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_IMPORT_WRITE: ImportWriteOptions = {
  maxRows: 1000,
  maxBytes: 4 << 20,
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  sleep: (ms) => new Promise((ok) => setTimeout(ok, ms)),
};

/**
 * Writes imported runs into W&B with the SDK's own run protocol: wandb-core's UpsertBucket for the
 * run and its metadata, file_stream for history, summary and the end of the run, createRunFiles +
 * PUT + markRunFilesUploaded for files. Every call goes through WandbClient, so it is named and counted.
 */
export class WandbImportDestination implements ImportDestination {
  private readonly opts: ImportWriteOptions;

  constructor(private readonly client: WandbClient, private readonly source: string, opts: Partial<ImportWriteOptions> = {}) {
    this.opts = { ...DEFAULT_IMPORT_WRITE, ...opts };
  }

  /** Reads the run as the SDK's Runs query does (config, summaryMetrics, historyLineCount), never from the cache. */
  async state(ns: ImportNamespace, runId: string): Promise<DestinationRunState> {
    this.check(ns, runId);
    const res = await readFresh(() => this.client.runs({ entity: ns.entity, project: ns.project, cursor: null, perPage: 1, order: null, filters: { name: runId } }, false));
    const run = res.project?.runs?.edges[0]?.node;
    if (!run || run.name !== runId) return { exists: false, config: {}, summary: {}, historyLength: 0 };
    // W&B keeps each config value as {value, desc} and its own settings under `_wandb`.
    const config = Object.fromEntries(
      Object.entries(jsonObject(run.config))
        .filter(([k]) => k !== '_wandb')
        .map(([k, v]) => [k, v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v]),
    );
    return { exists: true, config, summary: jsonObject(run.summaryMetrics), historyLength: run.historyLineCount ?? 0 };
  }

  /**
   * W&B sets a run's creation time and user itself (from the API key), and UpsertBucket has no
   * argument for either: they go in `wandb-metadata.json` (the runner uploads `run.metadata`).
   */
  async upsertRun(ns: ImportNamespace, run: ImportRunSpec): Promise<void> {
    this.check(ns, run.runId);
    if (!STATES.has(run.state)) throw badInput(`Run state ${JSON.stringify(run.state)} is not one of ${[...STATES].join(', ')}.`, { source: this.source });
    const vars = {
      name: run.runId,
      project: ns.project,
      entity: ns.entity,
      displayName: run.displayName,
      notes: run.notes,
      groupName: run.group,
      jobType: run.jobType,
      state: run.state,
      tags: run.tags,
      // The SDK sends config wrapped as W&B stores it, and both dicts whole (they replace).
      config: JSON.stringify(Object.fromEntries(Object.entries(run.config).map(([k, v]) => [k, { value: v, desc: null }]))),
      summaryMetrics: JSON.stringify(run.summary),
      commit: run.commit,
    };
    await this.retrying(() => this.client.upsertRun(vars));
  }

  /** Sends the rows in file_stream requests of at most `maxRows` rows and about `maxBytes`, each at its own line offset. */
  async appendHistory(ns: ImportNamespace, runId: string, offset: number, rows: ImportHistoryRow[]): Promise<void> {
    this.check(ns, runId);
    if (!Number.isInteger(offset) || offset < 0) throw badInput(`History offset ${offset} must be a non-negative integer.`, { source: this.source });
    const lines = rows.map((row, i) => {
      if (!Number.isFinite(row._step) || !Number.isFinite(row._timestamp)) {
        throw badInput(`History row ${offset + i} of run ${runId} needs finite numbers _step and _timestamp.`, { source: this.source });
      }
      return JSON.stringify(row);
    });
    for (const chunk of this.chunks(lines)) {
      const body: ImportWire.FileStreamRequest = { files: { [HISTORY_FILE]: { offset: offset + chunk.start, content: chunk.lines } } };
      await this.retrying(() => this.client.fileStream(ns.entity, ns.project, runId, body));
    }
  }

  async uploadFile(ns: ImportNamespace, runId: string, path: string, body: ReadableStream<Uint8Array>, size: number | null): Promise<void> {
    this.check(ns, runId);
    if (!path || path.startsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
      throw badInput(`File path ${JSON.stringify(path)} must be relative, without empty, "." or ".." parts.`, { source: this.source });
    }
    const created = await this.retrying(() => this.client.createRunFiles(ns.entity, ns.project, runId, [path]));
    const url = created.createRunFiles?.files.find((f) => f.name === path)?.uploadUrl;
    if (!url) throw gatewayError('UPSTREAM_ERROR', `W&B source '${this.source}' issued no upload URL for ${path}.`, { source: this.source });
    // A stream can be sent once: the PUT is not retried (the import retries the file as a whole).
    // Upstream.upload streams with backpressure and needs the length up front; a file whose source
    // gives no size (rare) is read whole first.
    let length = size;
    let data = body;
    if (length === null) {
      const bytes = new Uint8Array(await new Response(body).arrayBuffer());
      length = bytes.byteLength;
      data = new Blob([bytes]).stream();
    }
    await this.client.upload(url, created.createRunFiles?.uploadHeaders ?? [], { body: data, length });
    await this.retrying(() => this.client.markRunFilesUploaded(ns.entity, ns.project, runId, [path]));
  }

  /** The summary goes as line 0 of wandb-summary.json: W&B keeps the last line, the whole summary. */
  async finish(ns: ImportNamespace, runId: string, exitCode: number, summary: Record<string, unknown>): Promise<void> {
    this.check(ns, runId);
    if (!Number.isInteger(exitCode)) throw badInput(`Exit code ${exitCode} must be an integer.`, { source: this.source });
    const body: ImportWire.FileStreamRequest = { files: { [SUMMARY_FILE]: { offset: 0, content: [JSON.stringify(summary)] } }, complete: true, exitcode: exitCode };
    await this.retrying(() => this.client.fileStream(ns.entity, ns.project, runId, body));
  }

  private check(ns: ImportNamespace, runId: string): void {
    if (ns.source !== this.source) throw badInput(`This destination writes to W&B source '${this.source}', not '${ns.source}'.`, { source: this.source });
    if (!ns.entity || !ns.project || ns.project.includes('/') || ns.entity.includes('/')) {
      throw badInput('The destination needs an entity and a project, neither containing "/".', { source: this.source });
    }
    if (!RUN_ID.test(runId)) throw badInput(`Run id ${JSON.stringify(runId)} is not a W&B run id (letters, digits, "_", "-", ".").`, { source: this.source });
  }

  /** Consecutive lines, split before `maxRows` lines or `maxBytes` bytes; a longer single line goes alone. */
  private *chunks(lines: string[]): Generator<{ start: number; lines: string[] }> {
    let start = 0;
    while (start < lines.length) {
      let end = start;
      let bytes = 0;
      while (end < lines.length && end - start < this.opts.maxRows && (end === start || bytes + lines[end]!.length <= this.opts.maxBytes)) {
        bytes += lines[end]!.length;
        end++;
      }
      yield { start, lines: lines.slice(start, end) };
      start = end;
    }
  }

  /**
   * Upstream never retries writes; these ones may be: a 429 or 503 means W&B did not apply the
   * request, UpsertBucket and markRunFilesUploaded set the same values again, and file_stream
   * lines land at their offsets, so a resent chunk replaces itself rather than duplicating. Even a
   * timed-out request that W&B did apply is therefore safe to send again.
   */
  private async retrying<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (e) {
        const failure = failureOf(e);
        if (!failure?.retryable || attempt >= this.opts.attempts) throw e;
        if (failure.retryAfterMs !== undefined && failure.retryAfterMs > this.opts.maxDelayMs) throw e;
        await this.opts.sleep(failure.retryAfterMs ?? Math.floor(Math.random() * this.opts.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
