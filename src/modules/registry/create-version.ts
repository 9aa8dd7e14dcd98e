import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import { modelVersionNativeId } from '../../ids';
import type { ModelVersionModel } from '../../models';
import { loadModelVersion } from '../base/node';

/** `runs:/<run id>/<path>`: a relative path inside the run's artifacts, never leaving them. */
const RUNS_URI = /^runs:\/([\w-]{1,64})\/(.{1,1000})$/;

export function parseRunsUri(uri: string): { runId: string; path: string } {
  const m = RUNS_URI.exec(uri);
  const path = m?.[2] ?? '';
  if (!m?.[1] || path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '')) {
    throw badInput(`artifactUri ${JSON.stringify(uri.slice(0, 200))} must be \`runs:/<run id>/<path inside the run's artifacts>\`.`, { argument: 'artifactUri' });
  }
  return { runId: m[1], path };
}

export async function createModelVersion(
  ctx: GatewayContext,
  args: { source: string; model: string; artifactUri: string; description?: string | null },
): Promise<{ version: ModelVersionModel }> {
  if (!args.model.trim() || args.model.length > 256) throw badInput('model must name a registered model (1-256 characters).', { argument: 'model' });
  if ((args.description?.length ?? 0) > 5000) throw badInput('description is longer than 5000 characters.', { argument: 'description' });
  const { runId, path } = parseRunsUri(args.artifactUri);
  const created = await ctx.sources.get(args.source).createModelVersion({ model: args.model, runId, path, description: args.description ?? null });
  return { version: await loadModelVersion(ctx, { type: 'ModelVersion', source: args.source, native: modelVersionNativeId(created.model, created.version) }) };
}
