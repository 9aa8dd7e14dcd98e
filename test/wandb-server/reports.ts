import type { StoredToken, StoredView } from './report-state';
import type { TypeFields } from './root';
import { isoNoZone, type StoredProject } from './store';
import { connection, ProjectView, userObject, type Ctx } from './views';

const projectOf = (ctx: Ctx, id: number): StoredProject | null => ctx.store.projectById(id);

function viewObject(ctx: Ctx, v: StoredView) {
  const p = projectOf(ctx, v.projectId);
  return {
    id: v.id,
    name: v.name,
    displayName: v.displayName,
    type: v.type,
    description: v.description,
    project: p ? new ProjectView(ctx, p) : null,
    entityName: p?.entity ?? null,
    projectName: p?.name ?? null,
    user: { ...userObject(v.username), photoUrl: null },
    spec: JSON.stringify(v.spec),
    parentId: v.parentId,
    createdUsing: v.createdUsing,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    accessTokens: () => ctx.store.reports.tokens.filter((t) => t.viewId === v.id).map((t) => tokenObject(ctx, t)),
  };
}

function tokenObject(ctx: Ctx, t: StoredToken) {
  return {
    id: Buffer.from(`AccessToken:${t.token}`).toString('base64'),
    token: t.token,
    type: 'PUBLIC',
    view: () => {
      const v = ctx.store.reports.view(t.viewId);
      return v ? viewObject(ctx, v) : null;
    },
    projects: () => t.projects.map((id) => projectOf(ctx, id)).filter((p): p is StoredProject => !!p).map((p) => new ProjectView(ctx, p)),
    createdAt: t.createdAt,
    revokedAt: t.revokedAt,
  };
}

/** The spec arrives as a JSON string; W&B rejects one that is not a JSON object. */
function parseSpec(raw: string): Record<string, unknown> {
  const v = JSON.parse(raw) as unknown;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('spec must be a JSON object');
  return v as Record<string, unknown>;
}

function projectIds(ctx: Ctx, specs: Array<{ entityName: string; projectName: string }>): number[] {
  return specs.map((s) => {
    const p = ctx.store.project(s.entityName, s.projectName);
    if (!p) throw new Error(`project ${s.entityName}/${s.projectName} not found`);
    return p.id;
  });
}

function liveToken(ctx: Ctx, token: string): StoredToken {
  const t = ctx.store.reports.tokens.find((x) => x.token === token && !x.revokedAt);
  if (!t) throw new Error('access token not found');
  return t;
}

interface UpsertViewInput {
  id?: string | null;
  entityName?: string | null;
  projectName?: string | null;
  name?: string | null;
  displayName?: string | null;
  description?: string | null;
  type?: string | null;
  spec?: string | null;
  parentId?: string | null;
  createdUsing?: string | null;
}

interface UpsertModelInput {
  id?: string | null;
  name?: string | null;
  entityName?: string | null;
  description?: string | null;
  access?: string | null;
  allowAllArtifactTypesInRegistry?: boolean | null;
  artifactTypes?: Array<{ name: string }> | null;
}

type Specifiers = Array<{ entityName: string; projectName: string }>;

/** Root fields for views (reports): view, upsertView, deleteView, upsertModel, share tokens. */
export const reportsRoot = {
  view: (args: { id: string }, ctx: Ctx) => {
    const v = ctx.store.reports.view(args.id);
    return v ? viewObject(ctx, v) : null;
  },

  /**
   * With an id, updates that view (its name stays: wandb-workspaces sends a fresh random name on
   * every save). Without one, upserts by name within the project, creating the view if new.
   */
  upsertView: ({ input }: { input: UpsertViewInput }, ctx: Ctx) => {
    const reports = ctx.store.reports;
    const spec = input.spec != null ? parseSpec(input.spec) : null;
    let view = input.id ? reports.view(input.id) : null;
    if (input.id && !view) throw new Error(`view ${input.id} not found`);
    if (!view) {
      const p = ctx.store.project(input.entityName, input.projectName);
      if (!p) throw new Error(`project ${input.entityName ?? ctx.store.entity}/${input.projectName ?? ''} not found`);
      if (!input.name) throw new Error('a new view needs a name');
      view = reports.views.find((v) => v.projectId === p.id && v.name === input.name) ?? null;
      if (!view) {
        const created = reports.create({
          projectId: p.id,
          name: input.name,
          displayName: input.displayName ?? input.name,
          description: input.description ?? '',
          type: input.type ?? 'runs',
          spec: spec ?? {},
          username: ctx.store.entity,
          parentId: input.parentId ?? null,
          createdUsing: input.createdUsing ?? 'WANDB_UI',
        });
        return { view: viewObject(ctx, created), inserted: true };
      }
    }
    if (input.displayName != null) view.displayName = input.displayName;
    if (input.description != null) view.description = input.description;
    if (input.type != null) view.type = input.type;
    if (spec) view.spec = spec;
    view.updatedAt = isoNoZone(new Date());
    return { view: viewObject(ctx, view), inserted: false };
  },

  deleteView: ({ input }: { input: { id: string; deleteDrafts?: boolean | null } }, ctx: Ctx) => {
    const v = ctx.store.reports.view(input.id);
    if (!v) return { success: false, pendingDrafts: false };
    return { success: true, ...ctx.store.reports.delete(v, input.deleteDrafts ?? false) };
  },

  /** Creates or updates a project; `model` is the legacy name of the same field. */
  upsertModel: ({ input }: { input: UpsertModelInput }, ctx: Ctx) => {
    const byId = input.id ? ctx.store.projectById(Number(Buffer.from(input.id, 'base64').toString('utf8').split(':')[1])) : null;
    if (input.id && !byId) throw new Error(`project ${input.id} not found`);
    if (!byId && !input.name) throw new Error('a new project needs a name');
    const { project, inserted } = byId ? { project: byId, inserted: false } : ctx.store.reports.upsertProject(input.entityName || ctx.store.entity, input.name ?? '');
    const info = ctx.store.reports.projectInfo(project);
    if (input.description != null) info.description = input.description;
    if (input.access != null) info.access = input.access;
    if (input.allowAllArtifactTypesInRegistry != null) info.allowAllArtifactTypes = input.allowAllArtifactTypesInRegistry;
    if (input.artifactTypes != null) info.artifactTypes = input.artifactTypes.map((t) => t.name);
    const view = new ProjectView(ctx, project);
    return { project: view, model: view, inserted };
  },

  createAccessToken: ({ input }: { input: { viewId: string; projects: Specifiers } }, ctx: Ctx) => {
    const v = ctx.store.reports.view(input.viewId);
    if (!v) throw new Error(`view ${input.viewId} not found`);
    return { accessToken: tokenObject(ctx, ctx.store.reports.createToken(v.id, projectIds(ctx, input.projects))) };
  },

  updateAccessTokenProjects: ({ input }: { input: { token: string; projects: Specifiers } }, ctx: Ctx) => {
    liveToken(ctx, input.token).projects = projectIds(ctx, input.projects);
    return { success: true };
  },

  revokeAccessToken: ({ input }: { input: { token: string } }, ctx: Ctx) => {
    liveToken(ctx, input.token).revokedAt = isoNoZone(new Date());
    return { success: true };
  },
};

interface AllViewsArgs {
  viewType?: string | null;
  viewName?: string | null;
  userName?: string | null;
  first?: number | null;
  after?: string | null;
}


/** Fields the report domain adds to other domains' types. */
export const reportFields: TypeFields = {
  Project: {
    /** Newest first, as the app lists a project's reports; views of one second in reverse creation order. */
    allViews: (project: ProjectView, args: AllViewsArgs, ctx: Ctx) => {
      const views = ctx.store.reports.views
        .filter((v) => v.projectId === project.p.id)
        .reverse()
        .filter((v) => (args.viewType == null || v.type === args.viewType) && (args.viewName == null || v.name === args.viewName))
        .filter((v) => args.userName == null || v.username === args.userName)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return connection(views, args.after, args.first, (v) => viewObject(ctx, v));
    },
    description: (project: ProjectView, _: unknown, ctx: Ctx) => ctx.store.reports.projectInfo(project.p).description,
    access: (project: ProjectView, _: unknown, ctx: Ctx) => ctx.store.reports.projectInfo(project.p).access,
    views: () => null,
  },
};
