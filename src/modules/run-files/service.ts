import type { GatewayContext } from '../../context';
import { badInput, gatewayError } from '../../errors';
import { decodeId, encodeId, parseRunNativeId, type GlobalId } from '../../ids';
import type { RunFileModel } from '../../models';
import type { RunRef, SourceConnector } from '../../sources/source';
import { compileGlob } from './glob';
import { uploadPath } from './paths';

export interface RunTarget {
  id: GlobalId;
  ref: RunRef;
  source: SourceConnector;
}

export function runTarget(ctx: Pick<GatewayContext, 'sources'>, runId: string): RunTarget {
  const id = decodeId(runId, 'Run');
  return { id, ref: parseRunNativeId(id.native), source: ctx.sources.get(id.source) };
}

export function fileLink(publicUrl: string, id: GlobalId, path: string): string {
  return `${publicUrl}/files/${encodeId('Run', id.source, id.native)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The file as the source lists it after a write: proof the write took, with its size. */
export async function listedFile(publicUrl: string, target: RunTarget, path: string): Promise<RunFileModel & { downloadUrl: string }> {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const file = (await target.source.listFiles(target.ref, dir, false)).find((f) => f.path === path && !f.isDir);
  if (!file) throw gatewayError('UPSTREAM_ERROR', `Source '${target.id.source}' accepted '${path}' but does not list it.`, { source: target.id.source });
  return { ...file, downloadUrl: fileLink(publicUrl, target.id, path) };
}

/** Strict base64 (padded or not), checked and sized before anything is decoded. */
export function decodeContent(base64: string, maxBytes: number): Buffer {
  const clean = base64.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) throw badInput('`contentBase64` is not standard base64.', { argument: 'contentBase64' });
  const size = Math.floor((clean.length * 3) / 4);
  if (size > maxBytes) {
    throw badInput(`The file is ${size} bytes; uploadRunFile takes at most ${maxBytes}. Send larger files with PUT /files/<run id>/<path> (raw body, streamed).`, { argument: 'contentBase64', maxBytes });
  }
  return Buffer.from(clean, 'base64');
}

/**
 * Turns `names` or `glob` into a chooser over the run's file paths, validated before the source
 * lists anything; the chooser refuses names the run does not have, so nothing is deleted then.
 */
export function fileChooser(args: { names?: readonly string[] | null; glob?: string | null }): (paths: string[]) => string[] {
  const hasNames = args.names != null;
  const hasGlob = args.glob != null;
  if (hasNames === hasGlob) throw badInput('Give exactly one of `names` and `glob`.');
  if (hasGlob) {
    const re = compileGlob(args.glob as string);
    return (paths) => paths.filter((p) => re.test(p));
  }
  const names = [...new Set((args.names ?? []).map((n) => uploadPath(n, 'names')))].sort();
  if (names.length === 0) throw badInput('`names` is empty: name at least one file.', { argument: 'names' });
  return (paths) => {
    const have = new Set(paths);
    const missing = names.filter((n) => !have.has(n));
    if (missing.length) throw badInput(`The run has no file ${missing.map((m) => `'${m}'`).join(', ')}; nothing was deleted.`, { argument: 'names', missing });
    return names;
  };
}
