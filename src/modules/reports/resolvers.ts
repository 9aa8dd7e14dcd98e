import type { GatewayContext } from '../../context';
import { badInput, gatewayError } from '../../errors';
import type { Resolvers } from '../../generated/graphql';
import { decodeId, encodeId } from '../../ids';
import type { ReportModel } from '../../models';
import { decodeCursor, fingerprint, toConnection, validateFirst } from '../../pagination';
import { reportIdFromUrl } from '../../sources/wandb/report-spec';
import { loadProject, loadReport } from '../base/node';
import { reportDraft } from './draft';

function loadReportByUrl(ctx: GatewayContext, url: string, sourceName?: string | null): Promise<ReportModel> {
  const reportId = reportIdFromUrl(url);
  if (!reportId) throw badInput('A report URL ends in `/<entity>/<project>/reports/<Title>--<id>`.', { argument: 'url' });
  const candidates = sourceName ? ctx.sources.select(sourceName) : ctx.sources.select().filter((s) => s.supports.reports);
  const source = candidates[0];
  if (!source || candidates.length > 1) throw badInput('Name the W&B source the report belongs to with `source`.', { argument: 'source' });
  return loadReport(ctx, { type: 'Report', source: source.info.name, native: reportId });
}

async function createReport(ctx: GatewayContext, input: Parameters<typeof reportDraft>[0] & { projectId: string }): Promise<{ report: ReportModel }> {
  const project = decodeId(input.projectId, 'Project');
  const source = ctx.sources.get(project.source);
  if (!source.supports.reports) {
    throw gatewayError('UNSUPPORTED_BY_SOURCE', `Source '${project.source}' has no reports; create reports in a W&B project.`, { source: project.source });
  }
  const draft = reportDraft(input, project.source, project.native);
  const reportId = await source.createReport(draft);
  return { report: await loadReport(ctx, { type: 'Report', source: project.source, native: reportId }) };
}

export const reportResolvers: Resolvers = {
  Mutation: {
    createReport: (_, { input }, ctx) => createReport(ctx, input),
  },
  Query: {
    report: (_, { id }, ctx) => loadReport(ctx, decodeId(id, 'Report')),
    reportByUrl: (_, { url, source }, ctx) => loadReportByUrl(ctx, url, source),
  },
  Project: {
    reports: async (p, args, ctx) => {
      const first = validateFirst(args.first);
      const fp = fingerprint('reports', p.source, p.sourceId);
      const start = args.after ? decodeCursor(args.after, fp) : { source: p.source, offset: 0 };
      const page = await ctx.sources.get(p.source).listReports(p.sourceId, { offset: start.offset, limit: first, token: start.token });
      for (const r of page.items) ctx.loaders.reportById.prime({ source: r.source, reportId: r.sourceId }, r);
      return toConnection(page, start, fp);
    },
  },
  Report: {
    id: (r) => encodeId('Report', r.source, r.sourceId),
    source: (r, _, ctx) => ctx.sources.get(r.source).info,
    project: (r, _, ctx) => loadProject(ctx, { type: 'Project', source: r.source, native: r.projectId }),
  },
};
