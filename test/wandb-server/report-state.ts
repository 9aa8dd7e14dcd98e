import { randomBytes } from 'node:crypto';
import { isoNoZone, type Store, type StoredProject } from './store';

/** A view as seeded: reports are type "runs" (the default), saved workspaces "project-view". */
export interface SeedView {
  /** The number in the view's id, `View:<n>`; fixed so tests can name seeded reports. */
  n: number;
  entity?: string;
  project: string;
  name: string;
  displayName: string;
  description?: string;
  type?: string;
  user?: string;
  createdAt: string;
  updatedAt?: string;
  /** Run sets' `project.id` may be left out: it is filled with the project's internal id. */
  spec: Record<string, unknown>;
}

/** Seed shape for reports and other views. */
export type SeedReports = SeedView[];

export interface StoredToken {
  token: string;
  viewId: string;
  /** Project ids (StoredProject.id) an anonymous holder may read. */
  projects: number[];
  createdAt: string;
  revokedAt: string | null;
}

export interface StoredView {
  id: string;
  projectId: number;
  name: string;
  displayName: string;
  description: string;
  type: string;
  spec: Record<string, unknown>;
  username: string;
  parentId: string | null;
  createdUsing: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Project fields W&B keeps that StoredProject does not: set by upsertModel (also for registries). */
export interface ProjectInfo {
  description: string | null;
  access: string;
  allowAllArtifactTypes: boolean;
  artifactTypes: string[];
}

/** W&B view ids are base64 of `View:<n>`; URLs carry them without `=` padding. */
export const viewId = (n: number): string => Buffer.from(`View:${n}`).toString('base64');

const viewNumber = (id: string): number => Number(Buffer.from(id, 'base64').toString('utf8').match(/^View:(\d+)$/)?.[1] ?? NaN);

/** Reports and other views, as upsertView stores them, plus their share tokens. */
export class ReportState {
  readonly views: StoredView[] = [];
  readonly tokens: StoredToken[] = [];
  private readonly info = new Map<number, ProjectInfo>();
  private nextN = 100001;

  constructor(readonly store: Store, seed: SeedReports | undefined) {
    for (const s of seed ?? []) {
      const p = store.project(s.entity, s.project);
      if (!p) throw new Error(`seeded view ${s.name}: no project ${s.project}`);
      this.views.push({
        id: viewId(s.n),
        projectId: p.id,
        name: s.name,
        displayName: s.displayName,
        description: s.description ?? '',
        type: s.type ?? 'runs',
        spec: withRunSetIds(store, s.spec),
        username: s.user ?? store.entity,
        parentId: null,
        createdUsing: 'WANDB_UI',
        createdAt: s.createdAt,
        updatedAt: s.updatedAt ?? s.createdAt,
      });
      this.nextN = Math.max(this.nextN, s.n + 1);
    }
  }

  view(id: string): StoredView | null {
    // Ids arrive padded or not (URLs strip `=`); compare by the number they encode.
    const n = viewNumber(id);
    return this.views.find((v) => viewNumber(v.id) === n) ?? null;
  }

  create(fields: Omit<StoredView, 'id' | 'createdAt' | 'updatedAt'>): StoredView {
    const now = isoNoZone(new Date());
    const v: StoredView = { ...fields, id: viewId(this.nextN++), createdAt: now, updatedAt: now };
    this.views.push(v);
    return v;
  }

  /** Deletes the view and, if asked, its drafts; says whether drafts were left behind. */
  delete(v: StoredView, deleteDrafts: boolean): { pendingDrafts: boolean } {
    const drafts = this.views.filter((d) => d.parentId === v.id);
    const gone = new Set([v, ...(deleteDrafts ? drafts : [])]);
    this.views.splice(0, this.views.length, ...this.views.filter((x) => !gone.has(x)));
    return { pendingDrafts: !deleteDrafts && drafts.length > 0 };
  }

  projectInfo(p: StoredProject): ProjectInfo {
    let i = this.info.get(p.id);
    if (!i) this.info.set(p.id, (i = { description: null, access: 'PRIVATE', allowAllArtifactTypes: true, artifactTypes: [] }));
    return i;
  }

  /** Creates the project if missing (W&B's upsertModel); returns it and whether it was new. */
  upsertProject(entity: string, name: string): { project: StoredProject; inserted: boolean } {
    const found = this.store.project(entity, name);
    if (found) return { project: found, inserted: false };
    const project: StoredProject = { id: this.store.projects.length + 1, entity, name, runs: [], sweeps: [] };
    this.store.projects.push(project);
    return { project, inserted: true };
  }

  createToken(viewId: string, projects: number[]): StoredToken {
    const t: StoredToken = { token: randomBytes(16).toString('hex'), viewId, projects, createdAt: isoNoZone(new Date()), revokedAt: null };
    this.tokens.push(t);
    return t;
  }
}

/** The seed names run sets' projects by entity and name; the app also stores the internal id. */
function withRunSetIds(store: Store, spec: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(spec) as { blocks?: Array<{ metadata?: { runSets?: Array<{ project?: { name?: string; entityName?: string; id?: string } }> } }> };
  for (const b of copy.blocks ?? [])
    for (const rs of b.metadata?.runSets ?? []) {
      const p = rs.project && !rs.project.id ? store.project(rs.project.entityName, rs.project.name) : null;
      if (p && rs.project) rs.project.id = String(p.id);
    }
  return copy as Record<string, unknown>;
}
