import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadAuthConfig, type AuthConfig } from './auth/auth-config';
import type { ResilienceSettings } from './resilience/guard';
import { loadTrustedDocuments, type TrustedDocuments } from './security/trusted-documents';
import type { ImportSettings } from './imports/service';
import type { JobStoreConfig } from './imports/store/create-store';

export type SourceAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string };

export interface MlflowSourceConfig {
  kind: 'mlflow';
  name: string;
  /** Base URL of the tracking server, without credentials and without a trailing slash. */
  url: string;
  auth: SourceAuth;
  timeoutMs: number;
  /** `caller`: each request brings its own token (X-Source-Token-<name>) instead of `auth`. */
  credentials: SourceCredentials;
}

export interface WandbSourceConfig {
  kind: 'wandb';
  name: string;
  /** The W&B API's base URL (`WANDB_BASE_URL`), e.g. https://api.wandb.ai. */
  url: string;
  apiKey: string;
  /** Entity used when a path names none; the viewer's default entity otherwise. */
  entity: string | null;
  timeoutMs: number;
  /** `caller`: each request brings its own API key (X-Source-Token-<name>); `apiKey` is then empty. */
  credentials: SourceCredentials;
}

export type SourceCredentials = 'service' | 'caller';

export type SourceConfig = MlflowSourceConfig | WandbSourceConfig;

const WANDB_CLOUD = 'https://api.wandb.ai';

export interface Config {
  port: number;
  /** Base URL clients reach the gateway at, for download links; defaults to the request's host. */
  publicUrl: string | null;
  sources: SourceConfig[];
  /** Development mode shows masked errors' messages in responses. */
  dev: boolean;
  /** Upstream reads shared across requests: in memory, or in Redis when `redisUrl` is set; off with MLGATE_CACHE=off. */
  /** `maxBytes` bounds the in-memory store (Redis bounds itself with its own maxmemory policy). */
  cache: { enabled: boolean; redisUrl: string | null; maxBytes: number };
  /** What one request may ask; see src/limits/. */
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number; maxBodyBytes: number; exportBufferRuns: number };
  /**
   * `PUT /files/...` bodies up to `maxBytes` (default 5 GiB); uploadRunFile's decoded content up to
   * `maxInlineBytes` (default 10 MiB), which the default body limit makes room for.
   */
  uploads: { maxBytes: number; maxInlineBytes: number };
  /** Introspection and the IDE: on by default, off by default when NODE_ENV=production. */
  introspection: boolean;
  ide: boolean;
  /** Browser origins allowed to call the API cross-origin; none by default. */
  corsOrigins: string[];
  /** API keys and JWT verification; with neither, authentication is off. */
  auth: AuthConfig;
  /** Read retries, retry budget and circuit breaker per source (src/resilience/); stale answers keep entries `staleFactor` times their TTL. */
  resilience: ResilienceSettings & { staleFactor: number };
  /** `GET /metrics` in Prometheus' text format. */
  metrics: boolean;
  /** Only these documents are served (`enforce`), or others are logged (`allow-unlisted`); null: any. */
  trustedDocuments: TrustedDocuments | null;
  /** Import jobs (src/imports/): where jobs and the ledger live, and how jobs are run. */
  imports: { store: JobStoreConfig; settings: ImportSettings };
}

/** Raised for any bad setting; the message names the variable or config-file key at fault. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const DEFAULT_TIMEOUT_MS = 15000;
const DEFAULT_INLINE_UPLOAD_BYTES = 10 * 1024 * 1024;
const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** Reads and validates the whole configuration once, at start. */
export function loadConfig(env: Env = process.env): Config {
  const maxInlineBytes = positiveInt(env, 'MLGATE_MAX_INLINE_UPLOAD_BYTES', DEFAULT_INLINE_UPLOAD_BYTES, 100 * 1024 * 1024);
  const timeoutMs = positiveInt(env, 'MLGATE_UPSTREAM_TIMEOUT_MS', DEFAULT_TIMEOUT_MS);
  const sources: SourceConfig[] = env.MLGATE_CONFIG ? sourcesFromFile(env.MLGATE_CONFIG, env, timeoutMs) : [];
  if (env.MLFLOW_TRACKING_URI && !sources.some((s) => s.name === 'mlflow')) {
    sources.unshift({
      kind: 'mlflow',
      name: 'mlflow',
      url: trackingUrl(env.MLFLOW_TRACKING_URI, 'MLFLOW_TRACKING_URI'),
      auth: mlflowAuthFromEnv(env, 'MLFLOW_TRACKING_'),
      timeoutMs,
      credentials: credentialsMode(env.MLFLOW_CREDENTIALS, 'MLFLOW_CREDENTIALS'),
    });
  }
  if (env.WANDB_API_KEY && !sources.some((s) => s.name === 'wandb')) {
    sources.push({
      kind: 'wandb',
      name: 'wandb',
      url: trackingUrl(env.WANDB_BASE_URL || WANDB_CLOUD, 'WANDB_BASE_URL'),
      apiKey: wandbKey(env.WANDB_API_KEY, 'WANDB_API_KEY'),
      entity: env.WANDB_ENTITY || null,
      timeoutMs,
      credentials: 'service',
    });
  } else if (env.WANDB_BASE_URL && !env.WANDB_API_KEY && !sources.some((s) => s.kind === 'wandb')) {
    throw new ConfigError('WANDB_BASE_URL is set but WANDB_API_KEY is not; the W&B source needs an API key.');
  }
  if (sources.length === 0) {
    throw new ConfigError('No source configured: set MLFLOW_TRACKING_URI or WANDB_API_KEY, or MLGATE_CONFIG to a config file that declares sources.');
  }
  return {
    port: positiveInt(env, 'PORT', 4000, 65535),
    publicUrl: env.MLGATE_PUBLIC_URL ? trackingUrl(env.MLGATE_PUBLIC_URL, 'MLGATE_PUBLIC_URL') : null,
    sources,
    dev: env.NODE_ENV === 'development',
    cache: { enabled: cacheEnabled(env.MLGATE_CACHE), redisUrl: redisUrl(env.REDIS_URL), maxBytes: positiveInt(env, 'MLGATE_CACHE_MAX_MB', 64, 1_000_000) * 2 ** 20 },
    limits: {
      maxDepth: positiveInt(env, 'MLGATE_MAX_DEPTH', 12, 100),
      maxAliases: positiveInt(env, 'MLGATE_MAX_ALIASES', 30, 10_000),
      maxCost: positiveInt(env, 'MLGATE_MAX_COST', 2000),
      maxTokens: positiveInt(env, 'MLGATE_MAX_TOKENS', 5000),
      // An inline upload arrives base64-encoded (4 bytes per 3) inside the JSON body.
      maxBodyBytes: positiveInt(env, 'MLGATE_MAX_BODY_BYTES', 1_000_000 + 4 * Math.ceil(maxInlineBytes / 3)),
      exportBufferRuns: positiveInt(env, 'MLGATE_EXPORT_BUFFER_RUNS', 10_000),
    },
    uploads: { maxBytes: positiveInt(env, 'MLGATE_MAX_UPLOAD_BYTES', 5 * 1024 ** 3), maxInlineBytes },
    introspection: onOff(env, 'MLGATE_INTROSPECTION', env.NODE_ENV !== 'production'),
    ide: onOff(env, 'MLGATE_IDE', env.NODE_ENV !== 'production'),
    corsOrigins: corsOrigins(env.MLGATE_CORS_ORIGINS),
    auth: loadAuthConfig(env, (message) => {
      throw new ConfigError(message);
    }),
    resilience: resilienceFromEnv(env),
    metrics: onOff(env, 'MLGATE_METRICS', true),
    trustedDocuments: env.MLGATE_TRUSTED_DOCUMENTS
      ? loadTrustedDocuments(env.MLGATE_TRUSTED_DOCUMENTS, env.MLGATE_TRUSTED_DOCUMENTS_MODE, (message) => {
          throw new ConfigError(message);
        })
      : null,
    imports: importsFromEnv(env),
  };
}

/**
 * MLGATE_JOBS_DATABASE_URL (PostgreSQL, for several replicas) wins over the SQLite file
 * MLGATE_JOBS_DB (default `<MLGATE_DATA_DIR or ./data>/jobs.sqlite`).
 */
function importsFromEnv(env: Env): Config['imports'] {
  const url = env.MLGATE_JOBS_DATABASE_URL;
  let store: JobStoreConfig;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('MLGATE_JOBS_DATABASE_URL must be a postgres:// or postgresql:// URL.');
    store = { kind: 'postgres', url };
  } else {
    store = { kind: 'sqlite', path: resolve(env.MLGATE_JOBS_DB || join(env.MLGATE_DATA_DIR || 'data', 'jobs.sqlite')) };
  }
  const leaseMs = positiveInt(env, 'MLGATE_IMPORT_LEASE_MS', 30_000, 3_600_000);
  return {
    store,
    settings: {
      leaseMs,
      pollMs: positiveInt(env, 'MLGATE_IMPORT_POLL_MS', Math.min(10_000, leaseMs), 3_600_000),
      maxJobs: positiveInt(env, 'MLGATE_IMPORT_MAX_JOBS', 2, 64),
      historyChunk: positiveInt(env, 'MLGATE_IMPORT_HISTORY_CHUNK', 1000, 10_000),
      runsPerPage: positiveInt(env, 'MLGATE_IMPORT_RUNS_PER_PAGE', 10_000, 50_000),
      pointsPerPage: positiveInt(env, 'MLGATE_IMPORT_POINTS_PER_PAGE', 25_000, 25_000),
    },
  };
}

function resilienceFromEnv(env: Env): Config['resilience'] {
  return {
    retry: {
      attempts: positiveInt(env, 'MLGATE_RETRY_ATTEMPTS', 3, 10),
      baseDelayMs: positiveInt(env, 'MLGATE_RETRY_BASE_DELAY_MS', 100, 60_000),
      maxDelayMs: positiveInt(env, 'MLGATE_RETRY_MAX_DELAY_MS', 10_000, 600_000),
      deadlineMs: env.MLGATE_READ_DEADLINE_MS ? positiveInt(env, 'MLGATE_READ_DEADLINE_MS', 0) : null,
    },
    budget: {
      percent: wholeNumber(env, 'MLGATE_RETRY_BUDGET_PERCENT', 20, 100),
      minPer10s: wholeNumber(env, 'MLGATE_RETRY_BUDGET_MIN', 10, 10_000),
    },
    breaker: {
      failures: positiveInt(env, 'MLGATE_BREAKER_FAILURES', 5, 1000),
      cooldownMs: positiveInt(env, 'MLGATE_BREAKER_COOLDOWN_MS', 30_000, 3_600_000),
    },
    staleFactor: positiveInt(env, 'MLGATE_STALE_FACTOR', 10, 1000),
  };
}

/** Like positiveInt, but 0 is allowed. */
function wholeNumber(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number between 0 and ${max}, got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}

function credentialsMode(raw: unknown, where: string): SourceCredentials {
  if (raw === undefined || raw === '' || raw === 'service') return 'service';
  if (raw === 'caller') return 'caller';
  throw new ConfigError(`${where} must be "service" or "caller".`);
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(raw)}.`);
}

/** Exact origins (scheme, host, port), comma-separated; `*` is refused: the API carries credentials. */
function corsOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(',').map((o) => o.trim()).filter(Boolean).map((o) => {
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new ConfigError(`MLGATE_CORS_ORIGINS: ${JSON.stringify(o)} is not an origin such as https://app.example.com.`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(`MLGATE_CORS_ORIGINS: ${JSON.stringify(o)} is not an origin such as https://app.example.com.`);
    }
    return u.origin;
  });
}

function cacheEnabled(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`MLGATE_CACHE must be on or off, got ${JSON.stringify(raw)}.`);
}

function redisUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL.');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL.');
  return raw;
}

function positiveInt(env: Env, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > max) {
    throw new ConfigError(`${name} must be a whole number between 1 and ${max}, got ${JSON.stringify(raw)}.`);
  }
  return n;
}

/** Accepts http(s) URLs only; credentials in the URL are refused so they never end up in links or logs. */
function trackingUrl(raw: string, where: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${where} must be an http(s) URL, got ${JSON.stringify(raw.slice(0, 100))}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where} must be an http(s) URL of a tracking server; ${url.protocol} URIs are not supported.`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${where} must not contain credentials; use the matching token or username/password setting.`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** The wandb SDK's own format check: an optional `prefix-`, then at least 40 word characters. */
function wandbKey(key: string, where: string): string {
  const secret = key.includes('-') ? key.slice(key.indexOf('-') + 1) : key;
  if (!/^[\w-]{40,}$/.test(secret)) throw new ConfigError(`${where} is not a W&B API key (expected at least 40 letters, digits or _ after an optional prefix).`);
  return key;
}

/** Same precedence as the mlflow client: username/password (Basic) before a token (Bearer). */
function mlflowAuthFromEnv(env: Env, prefix: string): SourceAuth {
  const username = env[`${prefix}USERNAME`];
  const password = env[`${prefix}PASSWORD`];
  if (username || password) {
    if (!username || !password) {
      throw new ConfigError(`${prefix}USERNAME and ${prefix}PASSWORD must be set together.`);
    }
    return { type: 'basic', username, password };
  }
  const token = env[`${prefix}TOKEN`];
  return token ? { type: 'bearer', token } : { type: 'none' };
}

interface FileSource {
  name?: unknown;
  apiKeyEnv?: unknown;
  entity?: unknown;
  kind?: unknown;
  url?: unknown;
  tokenEnv?: unknown;
  usernameEnv?: unknown;
  passwordEnv?: unknown;
  timeoutMs?: unknown;
  credentials?: unknown;
}

/**
 * The config file (JSON) declares named sources. Secrets are never written in it: it names the
 * environment variables that hold them (`tokenEnv`, `usernameEnv`, `passwordEnv`).
 */
function sourcesFromFile(path: string, env: Env, timeoutMs: number): SourceConfig[] {
  let parsed: { sources?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as { sources?: unknown };
  } catch (e) {
    throw new ConfigError(`MLGATE_CONFIG: cannot read ${JSON.stringify(path)} as JSON (${(e as Error).message}).`);
  }
  if (!Array.isArray(parsed.sources)) throw new ConfigError('MLGATE_CONFIG: "sources" must be an array.');
  const seen = new Set<string>();
  return parsed.sources.map((raw: FileSource, i: number) => {
    const at = `MLGATE_CONFIG: sources[${i}]`;
    if (typeof raw.name !== 'string' || !SOURCE_NAME.test(raw.name)) {
      throw new ConfigError(`${at}.name must match ${SOURCE_NAME} (lowercase letters, digits, - and _).`);
    }
    if (seen.has(raw.name)) throw new ConfigError(`${at}.name ${JSON.stringify(raw.name)} is declared twice.`);
    seen.add(raw.name);
    if (raw.kind !== 'mlflow' && raw.kind !== 'wandb') throw new ConfigError(`${at}.kind must be "mlflow" or "wandb".`);
    const timeout = raw.timeoutMs === undefined ? timeoutMs : fileTimeout(raw.timeoutMs, at);
    const credentials = credentialsMode(raw.credentials, `${at}.credentials`);
    if (raw.kind === 'wandb') {
      const keyVar = raw.apiKeyEnv;
      if (credentials === 'caller') {
        if (keyVar !== undefined) throw new ConfigError(`${at}: a source with "credentials": "caller" takes no apiKeyEnv; callers send their own keys.`);
      } else if (typeof keyVar !== 'string' || !env[keyVar]) throw new ConfigError(`${at}.apiKeyEnv must name a set environment variable holding the W&B API key.`);
      if (raw.entity !== undefined && typeof raw.entity !== 'string') throw new ConfigError(`${at}.entity must be a string.`);
      return {
        kind: 'wandb' as const,
        name: raw.name,
        url: trackingUrl(typeof raw.url === 'string' ? raw.url : WANDB_CLOUD, `${at}.url`),
        apiKey: credentials === 'caller' ? '' : wandbKey(env[keyVar as string] as string, `${at}.apiKeyEnv (${String(keyVar)})`),
        entity: (raw.entity as string | undefined) ?? null,
        timeoutMs: timeout,
        credentials,
      };
    }
    if (typeof raw.url !== 'string') throw new ConfigError(`${at}.url must be a string.`);
    return {
      kind: 'mlflow' as const,
      name: raw.name,
      url: trackingUrl(raw.url, `${at}.url`),
      auth: fileAuth(raw, env, at),
      timeoutMs: timeout,
      credentials,
    };
  });
}

function fileAuth(raw: FileSource, env: Env, at: string): SourceAuth {
  const read = (key: 'tokenEnv' | 'usernameEnv' | 'passwordEnv'): string | undefined => {
    const name = raw[key];
    if (name === undefined) return undefined;
    if (typeof name !== 'string' || !env[name]) {
      throw new ConfigError(`${at}.${key} names ${JSON.stringify(name)}, which is not set in the environment.`);
    }
    return env[name];
  };
  const username = read('usernameEnv');
  const password = read('passwordEnv');
  if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      throw new ConfigError(`${at}: usernameEnv and passwordEnv must be given together.`);
    }
    return { type: 'basic', username, password };
  }
  const token = read('tokenEnv');
  return token ? { type: 'bearer', token } : { type: 'none' };
}

function fileTimeout(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${at}.timeoutMs must be a positive whole number of milliseconds.`);
  }
  return value;
}
