import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mlgate-config-')), 'mlgate.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const errorOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('builds an MLflow source from the mlflow client variables, with its defaults', () => {
    expect(loadConfig({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/', MLFLOW_TRACKING_TOKEN: 'tok' })).toEqual({
      port: 4000,
      publicUrl: null,
      dev: false,
      sources: [{ kind: 'mlflow', name: 'mlflow', url: 'http://127.0.0.1:5000', auth: { type: 'bearer', token: 'tok' }, timeoutMs: 15000, credentials: 'service' }],
      cache: { enabled: true, redisUrl: null, maxBytes: 64 * 2 ** 20 },
      limits: { maxDepth: 12, maxAliases: 30, maxCost: 2000, maxTokens: 5000, maxBodyBytes: 14_981_016, exportBufferRuns: 10_000 },
      uploads: { maxBytes: 5 * 1024 ** 3, maxInlineBytes: 10 * 1024 * 1024 },
      introspection: true,
      ide: true,
      corsOrigins: [],
      auth: { apiKeys: [], jwt: null },
      resilience: {
        retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 10_000, deadlineMs: null },
        budget: { percent: 20, minPer10s: 10 },
        breaker: { failures: 5, cooldownMs: 30_000 },
        staleFactor: 10,
      },
      metrics: true,
      trustedDocuments: null,
      imports: {
        store: { kind: 'sqlite', path: resolve('data', 'jobs.sqlite') },
        settings: { leaseMs: 30_000, pollMs: 10_000, maxJobs: 2, historyChunk: 1000, runsPerPage: 10_000, pointsPerPage: 25_000 },
      },
    });
  });

  it('keeps import jobs in SQLite (MLGATE_JOBS_DB) unless a PostgreSQL URL is given', () => {
    const base = { MLFLOW_TRACKING_URI: 'http://h' };
    expect(loadConfig({ ...base, MLGATE_DATA_DIR: '/srv/mlgate' }).imports.store).toEqual({ kind: 'sqlite', path: '/srv/mlgate/jobs.sqlite' });
    expect(loadConfig({ ...base, MLGATE_JOBS_DB: '/tmp/j.db' }).imports.store).toEqual({ kind: 'sqlite', path: '/tmp/j.db' });
    expect(loadConfig({ ...base, MLGATE_JOBS_DB: '/tmp/j.db', MLGATE_JOBS_DATABASE_URL: 'postgres://db/jobs' }).imports.store).toEqual({ kind: 'postgres', url: 'postgres://db/jobs' });
    expect(errorOf({ ...base, MLGATE_JOBS_DATABASE_URL: 'mysql://db' })).toMatch(/MLGATE_JOBS_DATABASE_URL must be a postgres/);
    expect(errorOf({ ...base, MLGATE_IMPORT_LEASE_MS: '0' })).toMatch(/MLGATE_IMPORT_LEASE_MS/);
  });

  it('reads retry, budget, breaker and metrics settings, naming the variable at fault', () => {
    const base = { MLFLOW_TRACKING_URI: 'http://h' };
    const config = loadConfig({ ...base, MLGATE_RETRY_ATTEMPTS: '1', MLGATE_READ_DEADLINE_MS: '2500', MLGATE_RETRY_BUDGET_PERCENT: '0', MLGATE_BREAKER_FAILURES: '2', MLGATE_BREAKER_COOLDOWN_MS: '400', MLGATE_METRICS: 'off' });
    expect(config.resilience).toMatchObject({ retry: { attempts: 1, deadlineMs: 2500 }, budget: { percent: 0, minPer10s: 10 }, breaker: { failures: 2, cooldownMs: 400 } });
    expect(config.metrics).toBe(false);
    expect(errorOf({ ...base, MLGATE_RETRY_ATTEMPTS: '0' })).toMatch(/^MLGATE_RETRY_ATTEMPTS must be/);
    expect(errorOf({ ...base, MLGATE_RETRY_BUDGET_PERCENT: '150' })).toMatch(/^MLGATE_RETRY_BUDGET_PERCENT must be/);
    expect(errorOf({ ...base, MLGATE_BREAKER_COOLDOWN_MS: 'soon' })).toMatch(/^MLGATE_BREAKER_COOLDOWN_MS must be/);
  });

  it('turns introspection and the IDE off in production unless asked, and validates limits and CORS origins', () => {
    const base = { MLFLOW_TRACKING_URI: 'http://h' };
    expect(loadConfig({ ...base, NODE_ENV: 'production' })).toMatchObject({ introspection: false, ide: false });
    expect(loadConfig({ ...base, NODE_ENV: 'production', MLGATE_IDE: 'on' })).toMatchObject({ introspection: false, ide: true });
    expect(loadConfig({ ...base, MLGATE_CORS_ORIGINS: 'https://a.example.com, http://localhost:3000' }).corsOrigins).toEqual(['https://a.example.com', 'http://localhost:3000']);
    expect(errorOf({ ...base, MLGATE_CORS_ORIGINS: '*' })).toMatch(/MLGATE_CORS_ORIGINS/);
    expect(errorOf({ ...base, MLGATE_CORS_ORIGINS: 'https://a.example.com/path' })).toMatch(/not an origin/);
    expect(errorOf({ ...base, MLGATE_MAX_DEPTH: '0' })).toMatch(/MLGATE_MAX_DEPTH/);
    expect(errorOf({ ...base, MLGATE_INTROSPECTION: 'yes' })).toMatch(/MLGATE_INTROSPECTION must be on or off/);
  });

  it('shares the cache through Redis when REDIS_URL is set, and can turn it off', () => {
    const base = { MLFLOW_TRACKING_URI: 'http://h' };
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379/0' }).cache).toEqual({ enabled: true, redisUrl: 'redis://127.0.0.1:6379/0', maxBytes: 64 * 2 ** 20 });
    expect(loadConfig({ ...base, MLGATE_CACHE_MAX_MB: '16' }).cache.maxBytes).toBe(16 * 2 ** 20);
    expect(loadConfig({ ...base, MLGATE_CACHE: 'off' }).cache.enabled).toBe(false);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ...base, MLGATE_CACHE: 'maybe' })).toThrow(/MLGATE_CACHE/);
    expect(() => loadConfig({ ...base, MLGATE_CACHE_MAX_MB: '0' })).toThrow(/MLGATE_CACHE_MAX_MB/);
  });

  it('prefers username and password over a token, as the mlflow client does', () => {
    const cfg = loadConfig({ MLFLOW_TRACKING_URI: 'http://h', MLFLOW_TRACKING_TOKEN: 't', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' });
    expect(cfg.sources[0]).toMatchObject({ auth: { type: 'basic', username: 'u', password: 'p' } });
  });

  it.each([
    [{}, /MLFLOW_TRACKING_URI/],
    [{ MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' }, /MLFLOW_TRACKING_URI.*file:/],
    [{ MLFLOW_TRACKING_URI: 'not a url' }, /MLFLOW_TRACKING_URI must be an http\(s\) URL/],
    [{ MLFLOW_TRACKING_URI: 'http://u:p@h' }, /MLFLOW_TRACKING_URI must not contain credentials/],
    [{ MLFLOW_TRACKING_URI: 'http://h', PORT: '0' }, /PORT/],
    [{ MLFLOW_TRACKING_URI: 'http://h', PORT: 'eighty' }, /PORT/],
    [{ MLFLOW_TRACKING_URI: 'http://h', MLFLOW_TRACKING_USERNAME: 'u' }, /MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD/],
    [{ MLFLOW_TRACKING_URI: 'http://h', MLGATE_UPSTREAM_TIMEOUT_MS: '-5' }, /MLGATE_UPSTREAM_TIMEOUT_MS/],
    [{ MLGATE_CONFIG: '/nonexistent/mlgate.json' }, /MLGATE_CONFIG/],
  ])('names the bad variable: %j', (env, message) => {
    expect(errorOf(env as Record<string, string>)).toMatch(message);
  });

  it('reads several named sources from the config file, secrets from the variables it names', () => {
    const file = configFile({
      sources: [
        { name: 'prod', kind: 'mlflow', url: 'https://mlflow.example', tokenEnv: 'PROD_TOKEN', timeoutMs: 3000 },
        { name: 'research', kind: 'mlflow', url: 'http://10.0.0.5:5000', usernameEnv: 'R_USER', passwordEnv: 'R_PASS' },
      ],
    });
    const cfg = loadConfig({ MLGATE_CONFIG: file, PROD_TOKEN: 'secret', R_USER: 'u', R_PASS: 'p', MLFLOW_TRACKING_URI: 'http://local:5000' });
    expect(cfg.sources.map((s) => [s.name, s.url, s.kind === 'mlflow' ? s.auth.type : s.kind, s.timeoutMs])).toEqual([
      ['mlflow', 'http://local:5000', 'none', 15000],
      ['prod', 'https://mlflow.example', 'bearer', 3000],
      ['research', 'http://10.0.0.5:5000', 'basic', 15000],
    ]);
  });

  it('adds a W&B source from WANDB_API_KEY, with the cloud as the default base URL', () => {
    const key = 'local-0123456789012345678901234567890123456789';
    expect(loadConfig({ WANDB_API_KEY: key }).sources).toEqual([
      { kind: 'wandb', name: 'wandb', url: 'https://api.wandb.ai', apiKey: key, entity: null, timeoutMs: 15000, credentials: 'service' },
    ]);
    expect(loadConfig({ WANDB_API_KEY: key, WANDB_BASE_URL: 'http://127.0.0.1:8080', WANDB_ENTITY: 'team' }).sources[0]).toMatchObject({ url: 'http://127.0.0.1:8080', entity: 'team' });
  });

  it.each([
    [{ WANDB_API_KEY: 'short' }, /WANDB_API_KEY is not a W&B API key/],
    [{ WANDB_BASE_URL: 'http://h' }, /WANDB_BASE_URL is set but WANDB_API_KEY is not/],
    [{ WANDB_API_KEY: 'local-0123456789012345678901234567890123456789', WANDB_BASE_URL: 'ftp://h' }, /WANDB_BASE_URL/],
  ])('names the bad W&B variable: %j', (env, message) => {
    expect(errorOf(env as Record<string, string>)).toMatch(message);
  });

  it.each([
    [{ sources: [{ name: 'w', kind: 'wandb', apiKeyEnv: 'NOPE' }] }, /sources\[0\]\.apiKeyEnv/],
    [{ sources: [{ name: 'Bad Name', kind: 'mlflow', url: 'http://h' }] }, /sources\[0\]\.name/],
    [{ sources: [{ name: 'a', kind: 'mlflow', url: 'http://h' }, { name: 'a', kind: 'mlflow', url: 'http://h' }] }, /declared twice/],
    [{ sources: [{ name: 'a', kind: 'comet', url: 'http://h' }] }, /sources\[0\]\.kind must be "mlflow" or "wandb"/],
    [{ sources: [{ name: 'a', kind: 'mlflow', url: 'http://h', tokenEnv: 'MISSING' }] }, /sources\[0\]\.tokenEnv names "MISSING"/],
    [{ sources: {} }, /"sources" must be an array/],
  ])('rejects a bad config file with the key at fault: %j', (content, message) => {
    expect(errorOf({ MLGATE_CONFIG: configFile(content) })).toMatch(message);
  });
});
