import { createHash } from 'node:crypto';
import { RegistryState, type SeedRegistries } from './registry-state';
import { ReportState, type SeedReports } from './report-state';

/** One history row as W&B keeps it: metric keys plus `_step`, `_timestamp`, `_runtime`. */
export type HistoryRow = Record<string, unknown> & { _step: number };

export interface StoredFile {
  id: string;
  name: string;
  /** Seeded files are held in memory; uploaded ones are streamed to a temp file (`diskPath`), whatever their size. */
  bytes: Buffer | null;
  diskPath: string | null;
  size: number;
  /** base64, as W&B reports it. */
  md5: string;
  mimetype: string;
  updatedAt: string;
  /** Created by createRunFiles but not yet PUT: invisible to listings. */
  pending: boolean;
}

export interface StoredRun {
  name: string;
  entity: string;
  project: string;
  displayName: string;
  state: string;
  /** As W&B stores it: `{key: {value, desc}}`, plus `_wandb`. */
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  systemMetrics: Record<string, unknown>;
  history: HistoryRow[];
  events: Array<Record<string, unknown>>;
  tags: string[];
  group: string | null;
  jobType: string | null;
  sweepName: string | null;
  commit: string | null;
  notes: string | null;
  description: string | null;
  createdAt: string;
  heartbeatAt: string;
  username: string;
  files: Map<string, StoredFile>;
}

export interface StoredProject {
  id: number;
  entity: string;
  name: string;
  runs: StoredRun[];
  sweeps: StoredSweep[];
}

export interface StoredSweep {
  name: string;
  displayName: string | null;
  method: string;
  state: string;
  description: string | null;
  /** The sweep configuration (method, metric, parameters); served as YAML, as W&B stores it. */
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  runCountExpected: number | null;
}

export interface SeedSweep {
  name: string;
  displayName?: string;
  state?: string;
  description?: string;
  config: Record<string, unknown> & { method: string };
  createdAt?: string;
  runCountExpected?: number;
}

/** Seed file shape: friendly, unwrapped values; the store wraps config as W&B does. */
export interface SeedRun {
  name: string;
  displayName?: string;
  state?: string;
  config?: Record<string, unknown>;
  summary?: Record<string, unknown>;
  systemMetrics?: Record<string, unknown>;
  history?: HistoryRow[];
  events?: Array<Record<string, unknown>>;
  tags?: string[];
  group?: string;
  jobType?: string;
  sweepName?: string;
  commit?: string;
  notes?: string;
  createdAt?: string;
  username?: string;
  files?: Record<string, string>;
}

export interface Seed {
  entity: string;
  projects: Array<{ name: string; runs: SeedRun[]; sweeps?: SeedSweep[] }>;
  registries?: SeedRegistries;
  reports?: SeedReports;
}

let nextFileId = 1;

export function newFile(name: string, bytes: Buffer, pending = false): StoredFile {
  return {
    id: Buffer.from(`File:${nextFileId++}`).toString('base64'),
    name,
    bytes,
    diskPath: null,
    size: bytes.length,
    md5: md5Base64(bytes),
    mimetype: mimeOf(name),
    updatedAt: isoNoZone(new Date()),
    pending,
  };
}

function mimeOf(name: string): string {
  if (name.endsWith('.png')) return 'image/png';
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.txt') || name.endsWith('.log')) return 'text/plain';
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'application/x-yaml';
  return 'application/octet-stream';
}

/** W&B sends times as ISO-8601 in UTC without a zone suffix. */
export const isoNoZone = (d: Date): string => d.toISOString().slice(0, 19);

export const md5Base64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

export const wrapConfig = (config: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v, desc: null }]));

/** In-memory W&B data for the life of the process. */
export class Store {
  readonly entity: string;
  readonly projects: StoredProject[] = [];
  readonly registry: RegistryState;
  readonly reports: ReportState;

  constructor(seed: Seed) {
    this.entity = seed.entity;
    for (const p of seed.projects) {
      const project: StoredProject = { id: this.projects.length + 1, entity: seed.entity, name: p.name, runs: [], sweeps: [] };
      project.runs = p.runs.map((r) => this.runFromSeed(project, r));
      project.sweeps = (p.sweeps ?? []).map(sweepFromSeed);
      this.projects.push(project);
    }
    // Reports first: registries are projects whose description and access live in ReportState.
    this.reports = new ReportState(this, seed.reports);
    this.registry = new RegistryState(this, seed.registries);
  }

  project(entity: string | null | undefined, name: string | null | undefined): StoredProject | null {
    return this.projects.find((p) => p.name === name && p.entity === (entity || this.entity)) ?? null;
  }

  projectById(id: number): StoredProject | null {
    return this.projects.find((p) => p.id === id) ?? null;
  }

  run(entity: string, project: string, name: string): StoredRun | null {
    return this.project(entity, project)?.runs.find((r) => r.name === name) ?? null;
  }

  /** Storage ids are base64 of `Run:v1:<name>:<project>:<entity>`, as W&B's. */
  static runId(run: StoredRun): string {
    return Buffer.from(`Run:v1:${run.name}:${run.project}:${run.entity}`).toString('base64');
  }

  runByStorageId(id: string): StoredRun | null {
    const [kind, v, name, project, entity] = Buffer.from(id, 'base64').toString('utf8').split(':');
    if (kind !== 'Run' || v !== 'v1' || !name || !project || !entity) return null;
    return this.run(entity, project, name);
  }

  createRun(entity: string, projectName: string, name: string): StoredRun {
    let project = this.project(entity, projectName);
    if (!project) {
      project = { id: this.projects.length + 1, entity, name: projectName, runs: [], sweeps: [] };
      this.projects.push(project);
    }
    const run = this.runFromSeed(project, { name, state: 'running' });
    project.runs.push(run);
    return run;
  }

  private runFromSeed(project: StoredProject, r: SeedRun): StoredRun {
    const created = r.createdAt ?? isoNoZone(new Date());
    const files = new Map<string, StoredFile>();
    for (const [name, text] of Object.entries(r.files ?? {})) files.set(name, newFile(name, Buffer.from(text, 'utf8')));
    return {
      name: r.name,
      entity: project.entity,
      project: project.name,
      displayName: r.displayName ?? r.name,
      state: r.state ?? 'finished',
      config: { ...wrapConfig(r.config ?? {}), _wandb: { value: { cli_version: '0.31.0' }, desc: null } },
      summary: r.summary ?? {},
      systemMetrics: r.systemMetrics ?? {},
      history: r.history ?? [],
      events: r.events ?? [],
      tags: r.tags ?? [],
      group: r.group ?? null,
      jobType: r.jobType ?? null,
      sweepName: r.sweepName ?? null,
      commit: r.commit ?? null,
      notes: r.notes ?? null,
      description: r.notes ?? null,
      createdAt: created,
      heartbeatAt: created,
      username: r.username ?? 'ada',
      files,
    };
  }
}

function sweepFromSeed(s: SeedSweep): StoredSweep {
  const created = s.createdAt ?? isoNoZone(new Date());
  return {
    name: s.name,
    displayName: s.displayName ?? null,
    method: s.config.method,
    state: s.state ?? 'FINISHED',
    description: s.description ?? null,
    config: s.config,
    createdAt: created,
    updatedAt: created,
    runCountExpected: s.runCountExpected ?? null,
  };
}
