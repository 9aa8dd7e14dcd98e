import { GatewayError, gatewayError } from '../../errors';
import type { FileUpload } from '../source';
import type { MlflowClient } from './mlflow-client';

/**
 * The run's artifact root as a path of the artifact proxy: `mlflow-artifacts:/<exp>/<run>/artifacts`
 * gives `<exp>/<run>/artifacts` (what the mlflow client derives for proxied uploads). A run whose
 * artifacts live in a store the server does not proxy (a local or S3 path) cannot take writes
 * through the server.
 */
async function proxiedRoot(client: MlflowClient, source: string, runId: string, serverUrl: string): Promise<string> {
  const uri = (await client.getRun(runId)).run.info.artifact_uri ?? '';
  const m = /^mlflow-artifacts:(?:\/\/([^/]*))?\/(.+?)\/?$/.exec(uri);
  if (!m || (m[1] && m[1] !== new URL(serverUrl).host)) {
    throw gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${source}' does not proxy this run's artifacts (they are stored outside the server); write them with the mlflow client against their store.`, { source });
  }
  return m[2] as string;
}

/** runs/get (for the artifact root), then one PUT to the proxy. Run status does not matter. */
export async function uploadMlflowFile(client: MlflowClient, source: string, serverUrl: string, runId: string, path: string, upload: FileUpload): Promise<void> {
  const root = await proxiedRoot(client, source, runId, serverUrl);
  await client.uploadArtifact(`${root}/${path}`, upload);
}

/** Lists the run's artifacts, then deletes the chosen files one DELETE each (the proxy has no batch delete). */
export async function deleteMlflowFiles(
  client: MlflowClient,
  source: string,
  serverUrl: string,
  runId: string,
  files: string[],
  choose: (paths: string[]) => string[],
): Promise<string[]> {
  const chosen = choose(files);
  if (chosen.length === 0) return [];
  const root = await proxiedRoot(client, source, runId, serverUrl);
  for (const [i, path] of chosen.entries()) {
    try {
      await client.deleteArtifact(`${root}/${path}`);
    } catch (e) {
      if (!(e instanceof GatewayError) || i === 0) throw e;
      // Already gone cannot be undone: the caller must learn which files were deleted.
      throw gatewayError(e.code, `${e.message} Deleted before the failure: ${chosen.slice(0, i).join(', ')}.`, { ...e.extensions, deleted: chosen.slice(0, i) });
    }
  }
  return chosen;
}
