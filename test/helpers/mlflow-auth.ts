import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMlflowServer, type MlflowServer } from './mlflow-server';

export const ADMIN = { username: 'admin', password: 'admin-password-0123' };
export const basic = (u: { username: string; password: string }) => `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;

/**
 * A real `mlflow server --app-name basic-auth` where nobody may read what they were not granted:
 * users see only the experiments they created.
 */
export async function startAuthMlflow(): Promise<MlflowServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mlgate-mlflow-auth-'));
  const ini = join(dir, 'auth.ini');
  writeFileSync(
    ini,
    [
      '[mlflow]',
      'default_permission = NO_PERMISSIONS',
      `database_uri = sqlite:///${join(dir, 'auth.db')}`,
      `admin_username = ${ADMIN.username}`,
      `admin_password = ${ADMIN.password}`,
      'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
      'grant_default_workspace_access = false',
      '',
    ].join('\n'),
  );
  return startMlflowServer({ dir, appName: 'basic-auth', env: { MLFLOW_AUTH_CONFIG_PATH: ini, MLFLOW_FLASK_SERVER_SECRET_KEY: 'mlgate-test-only-secret' } });
}

/** One REST call as a given user; throws with the status on failure. */
export async function asUser<T>(server: MlflowServer, user: { username: string; password: string }, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method,
    headers: { authorization: basic(user), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} as ${user.username}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
