import { createHash } from 'node:crypto';
import type { CryptoKey, JWTPayload, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { gatewayError } from '../errors';
import { authEnabled, type AuthConfig } from './auth-config';
import { isRole, ROLES, type Role } from './roles';

export interface Principal {
  /** Stable and unique: `key:<name>` or `jwt:<issuer>#<sub>`; cache entries are scoped by it. */
  id: string;
  role: Role;
}

/** Authentication off: everyone is the same, fully trusted principal (local use and the demo). */
export const OPEN_PRINCIPAL: Principal = { id: 'anonymous', role: 'admin' };

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

const unauthenticated = (why: string) => gatewayError('UNAUTHENTICATED', why);

function highestRole(claim: unknown): Role | null {
  const values = Array.isArray(claim) ? claim : [claim];
  const roles = values.filter(isRole);
  return roles.length ? roles.reduce((a, b) => (ROLES.indexOf(b) > ROLES.indexOf(a) ? b : a)) : null;
}

/** Verifies API keys (against stored hashes) and JWTs (against the issuer's keys). */
export class Authenticator {
  private readonly keysByHash: Map<string, { name: string; role: Role }>;
  private jwtKey: Promise<JWTVerifyGetKey | CryptoKey> | null = null;

  constructor(private readonly config: AuthConfig) {
    this.keysByHash = new Map(config.apiKeys.map((k) => [k.sha256, { name: k.name, role: k.role }]));
  }

  get enabled(): boolean {
    return authEnabled(this.config);
  }

  /** The principal for a request's credentials; UNAUTHENTICATED when they are missing or wrong. */
  async authenticate(headers: { authorization?: string; apiKey?: string }): Promise<Principal> {
    if (!this.enabled) return OPEN_PRINCIPAL;
    const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const presented = headers.apiKey ?? bearer;
    if (!presented) throw unauthenticated('Authentication required: send an API key (X-API-Key) or a bearer token.');
    if (this.config.jwt && JWT_SHAPE.test(presented) && !headers.apiKey) return this.verifyJwt(presented);
    return this.verifyKey(presented);
  }

  /** Looked up by the key's hash: timing reveals nothing about a stored key, only about hashes. */
  private verifyKey(key: string): Principal {
    const entry = this.keysByHash.get(createHash('sha256').update(key).digest('hex'));
    if (!entry) throw unauthenticated('The API key is not valid.');
    return { id: `key:${entry.name}`, role: entry.role };
  }

  private async verifyJwt(token: string): Promise<Principal> {
    const jwt = this.config.jwt;
    if (!jwt) throw unauthenticated('Bearer tokens are not accepted here.');
    // jose is an ES module; this file is CommonJS.
    const jose = await import('jose');
    this.jwtKey ??= jwt.jwksUrl ? Promise.resolve(jose.createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 5000 })) : jose.importSPKI(jwt.publicKeyPem as string, 'RS256');
    let payload: JWTPayload;
    try {
      const key = await this.jwtKey;
      const options = { issuer: jwt.issuer, audience: jwt.audience ?? undefined, algorithms: ALGORITHMS, clockTolerance: 30 };
      payload = (typeof key === 'function' ? await jose.jwtVerify(token, key, options) : await jose.jwtVerify(token, key, options)).payload;
    } catch {
      // Why a token failed (expired, wrong issuer, bad signature) is not told to whoever sent it.
      throw unauthenticated('The bearer token is not valid.');
    }
    const role = highestRole(payload[jwt.roleClaim]);
    if (!payload.sub || !role) throw unauthenticated(`The bearer token has no subject or no role in its '${jwt.roleClaim}' claim.`);
    return { id: `jwt:${jwt.issuer}#${payload.sub}`, role };
  }
}
