import { readFileSync } from 'node:fs';
import { isRole, type Role } from './roles';

export interface ApiKeyEntry {
  name: string;
  /** Hex SHA-256 of the key: keys are long random secrets, so a fast hash is enough, and no key is stored. */
  sha256: string;
  role: Role;
}

export interface JwtConfig {
  /** Keys from a JWKS endpoint, or one PEM public key. */
  jwksUrl: string | null;
  publicKeyPem: string | null;
  issuer: string;
  audience: string | null;
  /** The claim holding the role (a string, or a list whose highest role counts). */
  roleClaim: string;
}

export interface AuthConfig {
  apiKeys: ApiKeyEntry[];
  jwt: JwtConfig | null;
}

type Env = Record<string, string | undefined>;
type Fail = (message: string) => never;

function keyEntries(raw: unknown, where: string, fail: Fail): ApiKeyEntry[] {
  if (!Array.isArray(raw)) fail(`${where} must be a JSON array of {name, sha256, role}.`);
  const names = new Set<string>();
  return (raw as unknown[]).map((e, i) => {
    const entry = e as Partial<ApiKeyEntry>;
    const at = `${where}[${i}]`;
    if (typeof entry.name !== 'string' || !/^[\w.-]{1,64}$/.test(entry.name)) fail(`${at}.name must be 1-64 letters, digits, '.', '_' or '-'.`);
    if (names.has(entry.name as string)) fail(`${at}.name ${JSON.stringify(entry.name)} is used twice.`);
    names.add(entry.name as string);
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) fail(`${at}.sha256 must be the key's SHA-256 in lowercase hex (scripts/hash-api-key.mjs prints it).`);
    if (!isRole(entry.role)) fail(`${at}.role must be viewer, editor or admin.`);
    return { name: entry.name as string, sha256: entry.sha256 as string, role: entry.role as Role };
  });
}

/**
 * MLGATE_API_KEYS_FILE: a JSON array of hashed keys. MLGATE_JWT_ISSUER with MLGATE_JWT_JWKS_URL or
 * MLGATE_JWT_PUBLIC_KEY (PEM): bearer tokens. Neither: authentication is off.
 */
export function loadAuthConfig(env: Env, fail: Fail): AuthConfig {
  let apiKeys: ApiKeyEntry[] = [];
  if (env.MLGATE_API_KEYS_FILE) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(env.MLGATE_API_KEYS_FILE, 'utf8'));
    } catch (e) {
      fail(`MLGATE_API_KEYS_FILE: cannot read it as JSON (${(e as Error).message}).`);
    }
    apiKeys = keyEntries(parsed, 'MLGATE_API_KEYS_FILE', fail);
  }
  let jwt: JwtConfig | null = null;
  if (env.MLGATE_JWT_ISSUER || env.MLGATE_JWT_JWKS_URL || env.MLGATE_JWT_PUBLIC_KEY) {
    if (!env.MLGATE_JWT_ISSUER) fail('MLGATE_JWT_ISSUER must be set to verify bearer tokens.');
    if (!env.MLGATE_JWT_JWKS_URL === !env.MLGATE_JWT_PUBLIC_KEY) fail('Set exactly one of MLGATE_JWT_JWKS_URL and MLGATE_JWT_PUBLIC_KEY.');
    if (env.MLGATE_JWT_JWKS_URL && !/^https?:\/\//.test(env.MLGATE_JWT_JWKS_URL)) fail('MLGATE_JWT_JWKS_URL must be an http(s) URL.');
    jwt = {
      jwksUrl: env.MLGATE_JWT_JWKS_URL ?? null,
      publicKeyPem: env.MLGATE_JWT_PUBLIC_KEY ?? null,
      issuer: env.MLGATE_JWT_ISSUER as string,
      audience: env.MLGATE_JWT_AUDIENCE ?? null,
      roleClaim: env.MLGATE_JWT_ROLE_CLAIM ?? 'mlgate_role',
    };
  }
  return { apiKeys, jwt };
}

export const authEnabled = (c: AuthConfig): boolean => c.apiKeys.length > 0 || c.jwt !== null;
