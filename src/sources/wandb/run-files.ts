import { gatewayError, notFound } from '../../errors';
import type { FileUpload } from '../source';
import type { WandbClient } from './wandb-client';

const FILES_PER_PAGE = 1000;

export interface WandbRunPath {
  entity: string;
  project: string;
  run: string;
}

/**
 * The SDK's `run.upload_file` protocol: createRunFiles issues an upload URL, the bytes are PUT
 * there, then markRunFilesUploaded registers them (W&B servers without object-store notifications
 * need it). A PUT that fails or is aborted is never marked: W&B keeps only the pending record
 * createRunFiles made, which lists nothing, and a file already at that path stays as it was.
 */
export async function uploadWandbFile(client: WandbClient, source: string, at: WandbRunPath, path: string, upload: FileUpload): Promise<void> {
  // createRunFiles on an unknown run fails with prose only; asking first gives a clear NOT_FOUND.
  const found = await client.runFiles({ ...at, cursor: null, limit: 1, names: [path] });
  if (!found.project?.run) throw notFound('The run does not exist.', { source });
  const created = (await client.createRunFiles(at.entity, at.project, at.run, [path])).createRunFiles;
  const url = created?.files.find((f) => f.name === path)?.uploadUrl;
  if (!created?.runID || !url) throw gatewayError('UPSTREAM_ERROR', `W&B source '${source}' issued no upload URL for '${path}'.`, { source });
  await client.upload(url, created.uploadHeaders ?? [], upload);
  await client.markRunFilesUploaded(at.entity, at.project, at.run, [path]);
}

/** Lists every file with its id (deleteFiles takes ids), then deletes the chosen ones in one request. */
export async function deleteWandbFiles(client: WandbClient, source: string, at: WandbRunPath, choose: (paths: string[]) => string[]): Promise<string[]> {
  const ids = new Map<string, string>();
  let projectId: number | null = null;
  let cursor: string | null = null;
  for (;;) {
    const res = await client.runFiles({ ...at, cursor, limit: FILES_PER_PAGE });
    if (!res.project?.run) throw notFound('The run does not exist.', { source });
    projectId = res.project.internalId ? Number(res.project.internalId) : null;
    const conn = res.project.run.files;
    for (const { node } of conn?.edges ?? []) ids.set(node.name, node.id);
    if (!conn?.pageInfo.hasNextPage) break;
    cursor = conn.edges[conn.edges.length - 1]?.cursor ?? null;
  }
  const chosen = choose([...ids.keys()].sort());
  if (chosen.length === 0) return [];
  await client.deleteFiles(chosen.map((name) => ids.get(name) as string), Number.isSafeInteger(projectId) ? projectId : null);
  return chosen;
}
