import { gunzipSync } from 'node:zlib';
import { isoNoZone, newFile, type HistoryRow, type StoredRun } from './store';

/**
 * One file_stream POST as wandb-core sends it (core/internal/filestream/filestreamrequest.go,
 * FileStreamRequestJSON): per file an `offset` (a line index) and `content` (JSON lines), plus
 * `uploaded`, `preempting`, and `complete`/`exitcode` once the run ends.
 */
export interface FileStreamBody {
  files?: Record<string, { offset: number; content: string[] }>;
  uploaded?: string[];
  preempting?: boolean;
  complete?: boolean;
  exitcode?: number;
}

export class FileStreamError extends Error {}

const HISTORY = 'wandb-history.jsonl';
const SUMMARY = 'wandb-summary.json';
const EVENTS = 'wandb-events.jsonl';
const OUTPUT = 'output.log';

/** The request body, un-gzipped when wandb-core compressed it (feature FILESTREAM_GZIP). */
export function decodeFileStream(raw: Buffer, contentEncoding: string | undefined): FileStreamBody {
  const text = (contentEncoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  const body = JSON.parse(text) as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FileStreamError('file_stream body must be a JSON object');
  return body as FileStreamBody;
}

function object(line: string, file: string): Record<string, unknown> {
  const v = JSON.parse(line) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FileStreamError(`${file}: every line must be a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * Lines at `offset` replace what is there (a resent chunk overwrites itself, never duplicates);
 * an offset past the end would leave a hole, which this server refuses rather than guess at.
 */
function place<T>(lines: T[], offset: number, rows: T[], file: string): void {
  if (!Number.isInteger(offset) || offset < 0) throw new FileStreamError(`${file}: offset must be a non-negative integer`);
  if (offset > lines.length) throw new FileStreamError(`${file}: offset ${offset} is past the end (${lines.length} lines)`);
  lines.splice(offset, rows.length, ...rows);
}

/** Applies one file_stream request to the run, all checks first so a bad request changes nothing. */
export function applyFileStream(run: StoredRun, body: FileStreamBody): void {
  const files = body.files ?? {};
  // wandb-core always sends `_step`; a row without one is numbered by its line, as W&B does.
  const history = files[HISTORY]?.content.map((l, i) => {
    const row = object(l, HISTORY);
    return { ...row, _step: typeof row._step === 'number' ? row._step : files[HISTORY]!.offset + i } as HistoryRow;
  });
  const events = files[EVENTS]?.content.map((l) => object(l, EVENTS));
  const summaryLines = files[SUMMARY]?.content ?? [];
  // W&B keeps only the last summary line: each one is the whole summary.
  const summary = summaryLines.length ? object(summaryLines[summaryLines.length - 1]!, SUMMARY) : null;
  if (history) {
    const next = [...run.history];
    place(next, files[HISTORY]!.offset, history, HISTORY);
    run.history = next;
  }
  if (events) {
    const next = [...run.events];
    place(next, files[EVENTS]!.offset, events, EVENTS);
    run.events = next;
    // The run's systemMetrics are the latest sample, without its `_timestamp`/`_runtime`.
    run.systemMetrics = Object.fromEntries(Object.entries(next[next.length - 1] ?? {}).filter(([k]) => !k.startsWith('_')));
  }
  if (summary) run.summary = summary;
  if (files[OUTPUT]) appendOutput(run, files[OUTPUT].offset, files[OUTPUT].content);
  for (const name of body.uploaded ?? []) {
    const f = run.files.get(name);
    if (f) f.pending = false;
  }
  if (body.complete) run.state = body.exitcode === 0 ? 'finished' : 'failed';
  else if (run.state !== 'finished' && run.state !== 'failed') run.state = 'running';
  run.heartbeatAt = isoNoZone(new Date());
}

function appendOutput(run: StoredRun, offset: number, content: string[]): void {
  const lines = run.files.get(OUTPUT)?.bytes?.toString('utf8').split('\n').filter((l, i, all) => i < all.length - 1 || l !== '') ?? [];
  place(lines, offset, content, OUTPUT);
  run.files.set(OUTPUT, newFile(OUTPUT, Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8')));
}

/** What W&B's file_stream answers; wandb-core only looks for `stopped`. */
export const FILE_STREAM_ANSWER = { exitcode: null, limits: {} };

/** A switch for backoff tests: the next `count` file_stream calls answer 429 with `Retry-After`. */
export class Throttle {
  private remaining = 0;
  private retryAfterSeconds = 1;
  /** How many file_stream calls were refused so far. */
  refused = 0;

  set(count: number, retryAfterSeconds: number): void {
    this.remaining = count;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The Retry-After to answer with, or null to serve the call. */
  take(): number | null {
    if (this.remaining <= 0) return null;
    this.remaining--;
    this.refused++;
    return this.retryAfterSeconds;
  }
}
