import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import type { FilterNode } from '../../filters/ast';
import type { Connection, RunConnectionModel, RunModel, SweepModel } from '../../models';
import { decodeCursor, fingerprint, toConnection, validateFirst } from '../../pagination';
import { orNotFound } from '../base/node';
import { listRuns, type RunListArgs } from '../runs/service';

/** One page of a project's sweeps, in one upstream request; found sweeps are primed for `Run.sweep`. */
export async function listSweeps(ctx: GatewayContext, sourceName: string, projectId: string, args: { first?: number | null; after?: string | null }): Promise<Connection<SweepModel>> {
  const source = ctx.sources.get(sourceName);
  const first = validateFirst(args.first);
  const fp = fingerprint('sweeps', sourceName, projectId);
  const start = args.after ? decodeCursor(args.after, fp) : { source: sourceName, offset: 0 };
  const page = await source.listSweeps(projectId, { offset: start.offset, limit: first, token: start.token });
  for (const s of page.items) ctx.loaders.sweepByKey.prime({ source: sourceName, projectId: s.projectId, sweepId: s.sourceId }, s);
  return toConnection(page, start, fp);
}

export function loadSweepByPath(ctx: GatewayContext, path: string, sourceName?: string | null): Promise<SweepModel> {
  const parts = path.split('/');
  if (parts.length !== 3 || parts.some((p) => !/^[\w.-]{1,128}$/.test(p))) {
    throw badInput('A sweep path is `entity/project/sweep_id`.', { argument: 'path' });
  }
  const candidates = sourceName ? ctx.sources.select(sourceName) : ctx.sources.select().filter((s) => s.supports.sweeps);
  const source = candidates[0];
  if (!source || candidates.length > 1) throw badInput('Name the W&B source the path belongs to with `source`.', { argument: 'source' });
  const [entity, project, sweepId] = parts as [string, string, string];
  return ctx.loaders.sweepByKey.load({ source: source.info.name, projectId: `${entity}/${project}`, sweepId }).then(orNotFound('The sweep', source.info.name));
}

/** W&B filters runs of a sweep with `{"sweep": <id>}`, as the SDK's `sweep.runs` does. */
const sweepFilter = (sweep: SweepModel): FilterNode => ({ kind: 'cmp', path: { root: 'field', field: 'sweep' }, op: '$eq', value: sweep.sourceId });

export function sweepRuns(ctx: GatewayContext, sweep: SweepModel, args: RunListArgs): Promise<RunConnectionModel> {
  return listRuns(ctx, [{ source: sweep.source, projectId: sweep.projectId }], args, sweepFilter(sweep));
}

/** The order the SDK's `best_run()` uses: the metric towards its goal, else the most recent run. */
export async function bestRun(ctx: GatewayContext, sweep: SweepModel): Promise<RunModel | null> {
  const orderBy = sweep.metric ? [`${sweep.metric.goal === 'MAXIMIZE' ? '-' : '+'}summary.${sweep.metric.name}`] : ['-created_at'];
  const conn = await listRuns(ctx, [{ source: sweep.source, projectId: sweep.projectId }], { first: 1, orderBy }, sweepFilter(sweep));
  return conn.nodes[0] ?? null;
}
