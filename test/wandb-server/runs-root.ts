import { newFile, Store } from './store';
import { ProjectView, RunView, connection, fileUrl, touch, userObject, type Ctx } from './views';

/** Feature flags the SDK asks for; on means the server implements the newer protocol. */
const FEATURES = ['MARK_RUN_FILES_UPLOADED', 'SWEEPS_QUERY_FILTERING', 'ARTIFACT_REGISTRY_SEARCH', 'TOTAL_COUNT_IN_FILE_CONNECTION', 'ARTIFACT_MEMBERSHIP_IN_LINK_ARTIFACT_RESPONSE', 'FILESTREAM_GZIP'];

const parseJson = (raw: string, what: string): Record<string, unknown> => {
  const v = JSON.parse(raw) as unknown;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
};

interface UpsertInput {
  id?: string | null;
  name?: string | null;
  modelName?: string | null;
  entityName?: string | null;
  groupName?: string | null;
  description?: string | null;
  displayName?: string | null;
  notes?: string | null;
  config?: string | null;
  commit?: string | null;
  jobType?: string | null;
  state?: string | null;
  sweep?: string | null;
  tags?: string[] | null;
  summaryMetrics?: string | null;
}

interface FilesInput {
  entityName: string;
  projectName: string;
  runName: string;
  files: string[];
}

/** Viewer, server info, projects, runs and files: root fields as methods taking (args, context). */
export const runsRoot = {
  viewer: (_: unknown, ctx: Ctx) => userObject(ctx.store.entity),
  serverInfo: () => ({
    features: FEATURES.map((name) => ({ name, isEnabled: true })),
    cliVersionInfo: {},
    latestLocalVersionInfo: null,
  }),
  project: (args: { name?: string | null; entityName?: string | null }, ctx: Ctx) => {
    const p = ctx.store.project(args.entityName, args.name);
    return p ? new ProjectView(ctx, p) : null;
  },
  models: (args: { entityName?: string | null; after?: string | null; first?: number | null }, ctx: Ctx) =>
    connection(
      ctx.store.projects.filter((p) => p.entity === (args.entityName || ctx.store.entity)),
      args.after,
      args.first,
      (p) => new ProjectView(ctx, p),
    ),
  entity: (args: { name: string }) => ({ id: Buffer.from(`Entity:${args.name}`).toString('base64'), name: args.name }),

  /** Replaces config and summary whole when given, as W&B does: the SDK always sends full dicts. */
  upsertBucket: ({ input }: { input: UpsertInput }, ctx: Ctx) => {
    let run = input.id ? ctx.store.runByStorageId(input.id) : null;
    let inserted = false;
    if (!run && input.name && input.modelName) {
      run = ctx.store.run(input.entityName || ctx.store.entity, input.modelName, input.name);
      if (!run) {
        run = ctx.store.createRun(input.entityName || ctx.store.entity, input.modelName, input.name);
        inserted = true;
      }
    }
    if (!run) throw new Error('run not found');
    const config = input.config != null ? parseJson(input.config, 'config') : null;
    const summary = input.summaryMetrics != null ? parseJson(input.summaryMetrics, 'summaryMetrics') : null;
    if (config) run.config = config;
    if (summary) run.summary = summary;
    if (input.displayName != null) run.displayName = input.displayName;
    if (input.description != null) run.description = input.description;
    if (input.notes != null) run.notes = input.notes;
    if (input.tags != null) run.tags = input.tags;
    if (input.groupName != null) run.group = input.groupName;
    if (input.jobType != null) run.jobType = input.jobType;
    if (input.state != null) run.state = input.state;
    if (input.commit != null) run.commit = input.commit;
    if (input.sweep != null) run.sweepName = input.sweep;
    touch(run);
    return { bucket: new RunView(ctx, run), inserted };
  },

  createRunFiles: ({ input }: { input: FilesInput }, ctx: Ctx) => {
    const run = ctx.store.run(input.entityName, input.projectName, input.runName);
    if (!run) throw new Error(`run ${input.entityName}/${input.projectName}/${input.runName} not found`);
    for (const name of input.files) if (!run.files.has(name)) run.files.set(name, newFile(name, Buffer.alloc(0), true));
    return { runID: Store.runId(run), uploadHeaders: [], files: input.files.map((name) => ({ name, uploadUrl: fileUrl(ctx, run, name) })) };
  },

  markRunFilesUploaded: ({ input }: { input: FilesInput }, ctx: Ctx) => {
    const run = ctx.store.run(input.entityName, input.projectName, input.runName);
    if (!run) throw new Error('run not found');
    for (const name of input.files) {
      const f = run.files.get(name);
      if (f) f.pending = false;
    }
    return { success: true };
  },

  deleteFiles: ({ input }: { input: { files: string[] } }, ctx: Ctx) => {
    const ids = new Set(input.files);
    for (const p of ctx.store.projects) for (const r of p.runs) for (const [name, f] of r.files) if (ids.has(f.id)) r.files.delete(name);
    return { success: true };
  },
};
