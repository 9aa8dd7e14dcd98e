import { matches, sortRuns } from './filters';
import { isoNoZone, Store, type HistoryRow, type StoredFile, type StoredProject, type StoredRun } from './store';

/** What every resolver sees: the store and the server's own origin (for absolute file URLs). */
export interface Ctx {
  store: Store;
  baseUrl: string;
}

const cursorOf = (position: number) => Buffer.from(`cursor:${position}`).toString('base64');
const positionOf = (cursor: string | null | undefined) => (cursor ? Number(Buffer.from(cursor, 'base64').toString('utf8').split(':')[1]) || 0 : 0);

/** Slices a list into a connection whose edge cursors resume after that edge. */
export function connection<T, V>(items: T[], after: string | null | undefined, first: number | null | undefined, view: (t: T) => V) {
  const start = positionOf(after);
  const slice = items.slice(start, start + (first ?? 50));
  const edges = slice.map((item, i) => ({ node: view(item), cursor: cursorOf(start + i + 1) }));
  return {
    edges,
    pageInfo: {
      endCursor: edges[edges.length - 1]?.cursor ?? null,
      startCursor: edges[0]?.cursor ?? null,
      hasNextPage: start + slice.length < items.length,
      hasPreviousPage: start > 0,
    },
    totalCount: items.length,
  };
}

export function parseFilters(filters: string | null | undefined): Record<string, unknown> {
  if (!filters) return {};
  const parsed = JSON.parse(filters) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('filters must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Evenly spaced rows, always keeping the first and the last, as W&B's sampling does. */
export function sample<T>(rows: T[], samples: number): T[] {
  if (samples <= 0) return [];
  if (rows.length <= samples) return rows;
  if (samples === 1) return [rows[rows.length - 1] as T];
  const picked = new Set<number>();
  for (let i = 0; i < samples; i++) picked.add(Math.round((i * (rows.length - 1)) / (samples - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => rows[i] as T);
}

/** The one user of this server: every project belongs to the entity's owner. */
export function userObject(entity: string) {
  return {
    id: Buffer.from(`User:${entity}`).toString('base64'),
    name: entity,
    username: entity,
    email: `${entity}@example.invalid`,
    entity,
    admin: false,
    flags: '{}',
    deletedAt: null,
    teams: { edges: [] },
    apiKeys: { edges: [] },
  };
}

export class ProjectView {
  constructor(private readonly ctx: Ctx, readonly p: StoredProject) {}
  get id() {
    return Buffer.from(`Project:${this.p.id}`).toString('base64');
  }
  get internalId() {
    return String(this.p.id);
  }
  get name() {
    return this.p.name;
  }
  get entityName() {
    return this.p.entity;
  }
  get entity() {
    return { id: Buffer.from(`Entity:${this.p.entity}`).toString('base64'), name: this.p.entity };
  }
  readOnly = false;
  isBenchmark = false;
  get user() {
    return userObject(this.p.entity);
  }
  get createdAt() {
    return this.p.runs[0]?.createdAt ?? '2026-01-01T00:00:00';
  }
  private filtered(filters: string | null | undefined): StoredRun[] {
    const f = parseFilters(filters);
    return this.p.runs.filter((r) => matches(r, f));
  }
  runCount(args: { filters?: string | null }) {
    return this.filtered(args.filters).length;
  }
  runs(args: { filters?: string | null; after?: string | null; first?: number | null; order?: string | null }) {
    return connection(sortRuns(this.filtered(args.filters), args.order), args.after, args.first, (r) => new RunView(this.ctx, r));
  }
  run(args: { name: string }) {
    const run = this.p.runs.find((r) => r.name === args.name);
    return run ? new RunView(this.ctx, run) : null;
  }
}

const METRIC = (k: string) => !k.startsWith('_');

export class RunView {
  constructor(private readonly ctx: Ctx, readonly r: StoredRun) {}
  get id() {
    return Store.runId(this.r);
  }
  get name() {
    return this.r.name;
  }
  get displayName() {
    return this.r.displayName;
  }
  get projectId() {
    return this.ctx.store.project(this.r.entity, this.r.project)?.id ?? 0;
  }
  get project() {
    const p = this.ctx.store.project(this.r.entity, this.r.project);
    return p ? new ProjectView(this.ctx, p) : null;
  }
  get state() {
    return this.r.state;
  }
  get tags() {
    return this.r.tags;
  }
  get group() {
    return this.r.group;
  }
  get jobType() {
    return this.r.jobType;
  }
  get sweepName() {
    return this.r.sweepName;
  }
  get commit() {
    return this.r.commit;
  }
  readOnly = false;
  get createdAt() {
    return this.r.createdAt;
  }
  get heartbeatAt() {
    return this.r.heartbeatAt;
  }
  get description() {
    return this.r.description;
  }
  get notes() {
    return this.r.notes;
  }
  get historyLineCount() {
    return this.r.history.length;
  }
  get user() {
    return { name: this.r.username, username: this.r.username };
  }
  get config() {
    return JSON.stringify(this.r.config);
  }
  get summaryMetrics() {
    return JSON.stringify(this.r.summary);
  }
  get systemMetrics() {
    return JSON.stringify(this.r.systemMetrics);
  }
  get historyKeys() {
    if (this.r.history.length === 0) return null;
    const counts = new Map<string, number>();
    for (const row of this.r.history) for (const k of Object.keys(row)) counts.set(k, (counts.get(k) ?? 0) + 1);
    const keys = Object.fromEntries([...counts].map(([k, count]) => [k, { typeCounts: [{ type: 'number', count }] }]));
    return { keys, lastStep: Math.max(...this.r.history.map((h) => h._step)) };
  }
  /** `maxStep` is exclusive here, as W&B's HistoryPage uses it. */
  history(args: { samples?: number | null; minStep?: number | null; maxStep?: number | null }) {
    const rows = this.r.history.filter((h) => (args.minStep == null || h._step >= args.minStep) && (args.maxStep == null || h._step < args.maxStep));
    return sample(rows, args.samples ?? 500).map((h) => JSON.stringify(h));
  }
  /** One result list per spec; `maxStep` inclusive; only rows having every requested key. */
  sampledHistory(args: { specs: string[] }) {
    return args.specs.map((raw) => {
      const spec = JSON.parse(raw) as { keys?: string[]; samples?: number; minStep?: number; maxStep?: number };
      const keys = spec.keys?.length ? spec.keys : [...new Set(this.r.history.flatMap((h) => Object.keys(h)))];
      const wanted = keys.filter(METRIC);
      const rows = this.r.history.filter(
        (h: HistoryRow) =>
          (spec.minStep == null || h._step >= spec.minStep) && (spec.maxStep == null || h._step <= spec.maxStep) && wanted.every((k) => k in h),
      );
      return sample(rows, spec.samples ?? 500).map((h) => Object.fromEntries(keys.filter((k) => k in h).map((k) => [k, h[k]])));
    });
  }
  events(args: { samples?: number | null }) {
    return sample(this.r.events, args.samples ?? 500).map((e) => JSON.stringify(e));
  }
  /** No exported parquet: every scan reads live history pages. */
  parquetHistory() {
    return { parquetUrls: [], liveData: [] };
  }
  private visibleFiles(): StoredFile[] {
    return [...this.r.files.values()].filter((f) => !f.pending).sort((a, b) => a.name.localeCompare(b.name));
  }
  get fileCount() {
    return this.visibleFiles().length;
  }
  files(args: { names?: Array<string | null> | null; after?: string | null; first?: number | null; pattern?: string | null }) {
    let files = this.visibleFiles();
    const names = (args.names ?? []).filter((n): n is string => !!n);
    if (names.length) files = files.filter((f) => names.includes(f.name));
    if (args.pattern) {
      const re = new RegExp(`^${args.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`);
      files = files.filter((f) => re.test(f.name));
    }
    return connection(files, args.after, args.first, (f) => fileView(this.ctx, this.r, f));
  }
}

export function fileUrl(ctx: Ctx, run: StoredRun, name: string): string {
  return `${ctx.baseUrl}/files/${[run.entity, run.project, run.name].map(encodeURIComponent).join('/')}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

function fileView(ctx: Ctx, run: StoredRun, f: StoredFile) {
  return {
    id: f.id,
    name: f.name,
    url: () => fileUrl(ctx, run, f.name),
    directUrl: fileUrl(ctx, run, f.name),
    sizeBytes: f.size,
    mimetype: f.mimetype,
    updatedAt: f.updatedAt,
    md5: f.md5,
  };
}

export const touch = (run: StoredRun) => {
  run.heartbeatAt = isoNoZone(new Date());
};
