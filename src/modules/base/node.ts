import type { GatewayContext } from '../../context';
import { notFound } from '../../errors';
import { parseModelVersionNativeId, parseRunNativeId, parseSweepNativeId, type GlobalId } from '../../ids';
import type { ModelVersionModel, ProjectModel, RegisteredModelModel, ReportModel, RunModel, SweepModel } from '../../models';

/** Missing objects resolve to `null` with a NOT_FOUND error, never a server error. */
export function orNotFound<T>(what: string, source: string) {
  return (value: T | null): T => {
    if (value === null) throw notFound(`${what} does not exist.`, { source });
    return value;
  };
}

export function loadRun(ctx: GatewayContext, id: GlobalId): Promise<RunModel> {
  ctx.sources.get(id.source);
  const { projectId, runId } = parseRunNativeId(id.native);
  return ctx.loaders.runById.load({ source: id.source, projectId, runId }).then(orNotFound('The run', id.source));
}

export function loadProject(ctx: GatewayContext, id: GlobalId): Promise<ProjectModel> {
  ctx.sources.get(id.source);
  return ctx.loaders.projectById.load({ source: id.source, projectId: id.native }).then(orNotFound('The project', id.source));
}

export function loadRegisteredModel(ctx: GatewayContext, id: GlobalId): Promise<RegisteredModelModel> {
  ctx.sources.get(id.source);
  return ctx.loaders.registeredModelByName.load({ source: id.source, name: id.native }).then(orNotFound('The registered model', id.source));
}

export function loadModelVersion(ctx: GatewayContext, id: GlobalId): Promise<ModelVersionModel> {
  ctx.sources.get(id.source);
  const { model, version } = parseModelVersionNativeId(id.native);
  return ctx.loaders.modelVersionByKey.load({ source: id.source, model, version }).then(orNotFound('The model version', id.source));
}

export function loadSweep(ctx: GatewayContext, id: GlobalId): Promise<SweepModel> {
  ctx.sources.get(id.source);
  const { projectId, sweepId } = parseSweepNativeId(id.native);
  return ctx.loaders.sweepByKey.load({ source: id.source, projectId, sweepId }).then(orNotFound('The sweep', id.source));
}

export function loadReport(ctx: GatewayContext, id: GlobalId): Promise<ReportModel> {
  ctx.sources.get(id.source);
  return ctx.loaders.reportById.load({ source: id.source, reportId: id.native }).then(orNotFound('The report', id.source));
}

export function loadNode(ctx: GatewayContext, id: GlobalId): Promise<RunModel | ProjectModel | RegisteredModelModel | ModelVersionModel | SweepModel | ReportModel> {
  switch (id.type) {
    case 'Run':
      return loadRun(ctx, id);
    case 'Project':
      return loadProject(ctx, id);
    case 'RegisteredModel':
      return loadRegisteredModel(ctx, id);
    case 'ModelVersion':
      return loadModelVersion(ctx, id);
    case 'Sweep':
      return loadSweep(ctx, id);
    case 'Report':
      return loadReport(ctx, id);
  }
}
