import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import { encodeId, runNativeId } from '../../ids';
import type { RunModel } from '../../models';

/** Relative, `/`-separated, no `..`: the only artifact paths passed upstream. */
export function validArtifactPath(path: string | null | undefined, argument = 'path'): string {
  const p = (path ?? '').replace(/^\/+|\/+$/g, '');
  if (p.split('/').some((seg) => seg === '..' || seg === '.') || p.includes('\\') || p.includes('\0') || /\/\//.test(p)) {
    throw badInput('A file path must be relative, use `/` separators and contain no `.` or `..` segments.', { argument });
  }
  return p;
}

export function downloadUrl(publicUrl: string, run: RunModel, path: string): string {
  const id = encodeId('Run', run.source, runNativeId(run.projectId, run.sourceId));
  return `${publicUrl}/files/${id}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export async function runFiles(ctx: GatewayContext, run: RunModel, args: { path?: string | null; recursive?: boolean | null }) {
  const path = validArtifactPath(args.path);
  const files = await ctx.sources.get(run.source).listFiles({ projectId: run.projectId, runId: run.sourceId }, path, args.recursive ?? false);
  return files.map((f) => ({ ...f, downloadUrl: f.isDir ? null : downloadUrl(ctx.publicUrl, run, f.path) }));
}
