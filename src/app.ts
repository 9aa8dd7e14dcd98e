import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type Request } from 'express';
import { join } from 'node:path';
import type { Config } from './config';
import { Authenticator } from './auth/authenticate';
import { authenticateRequests } from './auth/middleware';
import { rolePlugin } from './auth/role-plugin';
import { createReadCache } from './cache/create-cache';
import { RunLocks } from './writes/run-lock';
import { createContext, type GatewayContext } from './context';
import { createErrorFormatter } from './errors';
import { filesRouter } from './http/files';
import { uploadsRouter } from './http/uploads';
import { exportRouter } from './http/export/router';
import { healthRouter } from './http/health';
import { corsAllowList } from './http/cors';
import { requestErrors, unknownRoute } from './http/error-response';
import { trustedDocumentsMiddleware } from './security/trusted-documents';
import { ideRouter, loadExamples } from './ide/ide-route';
import { queryLimitsPlugin } from './limits/plugin';
import { createLogger, type Logger } from './logger';
import { metricsPlugin } from './observability/graphql-plugin';
import { GatewayMetrics } from './observability/metrics';
import { currentRequestId, requestIdMiddleware, withRequestId } from './observability/request-id';
import { Resilience } from './resilience/guard';
import { stalePlugin } from './resilience/stale-plugin';
import { SCHEMA_DIR } from './modules';
import { buildSchema } from './schema';
import { createSources, type SourceRegistry } from './sources';
import type { ImportDestination } from './imports/destination';
import { ImportService } from './imports/service';
import { createJobStore } from './imports/store/create-store';
import type { CallRecorder, FetchFn } from './sources/upstream';

export interface AppDeps {
  config: Config;
  /** The test seam: a fake fetch, or the real one. */
  fetch?: FetchFn;
  /** Test seam: the import destination for a source name (default: the W&B source's own). */
  importDestination?: (source: string) => ImportDestination | null;
  recorder?: CallRecorder;
  logger?: Logger;
}

export interface App {
  app: Express;
  sources: SourceRegistry;
  imports: ImportService;
  stop(): Promise<void>;
}

const REPO_DIR = join(SCHEMA_DIR, '..');

function publicUrl(config: Config, req: Request): string {
  return config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** Builds the HTTP app without listening; `index.ts` listens. */
export async function createApp(deps: AppDeps): Promise<App> {
  const logger = withRequestId(deps.logger ?? createLogger());
  const metrics = new GatewayMetrics({ processMetrics: deps.config.metrics });
  const given: CallRecorder = deps.recorder ?? {
    record: (call) => logger.debug('upstream call', { ...call }),
  };
  // Metrics see every call whatever recorder the caller chose (tests pass a CallLog).
  const recorder: CallRecorder = {
    record: (call) => {
      given.record(call);
      metrics.recorder.record(call);
    },
  };
  const cache = deps.config.cache.enabled
    ? createReadCache(deps.config.cache.redisUrl, logger, { keepFactor: deps.config.resilience.staleFactor, observer: metrics.cache }, deps.config.cache.maxBytes)
    : null;
  const resilience = new Resilience(deps.config.resilience, metrics.resilience, logger);
  const auth = new Authenticator(deps.config.auth);
  if (!auth.enabled) logger.warn('authentication is off: every caller is trusted as an admin; set MLGATE_API_KEYS_FILE or MLGATE_JWT_ISSUER');
  const callerSources = deps.config.sources.filter((s) => s.credentials === 'caller').map((s) => s.name);
  const locks = new RunLocks(deps.config.cache.redisUrl, logger);
  const sources = createSources(deps.config, { fetch: deps.fetch ?? globalThis.fetch, recorder, cache, locks, resilience });
  const imports = new ImportService(await createJobStore(deps.config.imports.store), sources, logger, deps.config.imports.settings, deps.importDestination);
  const server = new ApolloServer<GatewayContext>({
    schema: buildSchema(),
    formatError: createErrorFormatter({
      exposeUnexpected: deps.config.dev,
      onUnexpected: (e) => logger.error('unexpected error', { error: e instanceof Error ? e.stack ?? e.message : String(e) }),
    }),
    includeStacktraceInErrorResponses: false,
    introspection: deps.config.introspection,
    csrfPrevention: true,
    // With a manifest, documents come from it alone: clients must not register their own (APQ).
    ...(deps.config.trustedDocuments ? { persistedQueries: false as const } : {}),
    // Counted while parsing, so a huge document is refused before it is even built.
    parseOptions: { maxTokens: deps.config.limits.maxTokens },
    logger: { debug: (m) => logger.debug(String(m)), info: (m) => logger.info(String(m)), warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
    plugins: [ApolloServerPluginLandingPageDisabled(), rolePlugin(), queryLimitsPlugin(deps.config.limits), metricsPlugin(metrics), stalePlugin()],
  });
  await server.start();

  const app = express();
  app.disable('x-powered-by');
  app.use(requestIdMiddleware(logger));
  if (deps.config.metrics) app.use(metrics.router());
  app.use(metrics.downloads());
  app.use(corsAllowList(deps.config.corsOrigins));
  app.use(healthRouter(sources));
  if (deps.config.ide) {
    app.use(
      ideRouter({
        assetsDir: join(REPO_DIR, 'ide-dist'),
        endpointPath: '/graphql',
        examples: loadExamples(join(REPO_DIR, 'src', 'ide', 'examples')),
        title: 'mlgate',
      }),
    );
  }
  // Everything below is authenticated and runs in the caller's scope (principal, role, credentials).
  app.use(authenticateRequests(auth, callerSources));
  app.use(filesRouter(sources, logger));
  app.use(uploadsRouter(sources, logger, { maxBytes: deps.config.uploads.maxBytes, publicUrl: (req) => publicUrl(deps.config, req) }));
  app.use(exportRouter(logger, (req) => createContext({ sources, imports, publicUrl: publicUrl(deps.config, req), requestId: currentRequestId(), maxInlineUploadBytes: deps.config.uploads.maxInlineBytes }), { bufferRuns: deps.config.limits.exportBufferRuns }));
  app.use(
    '/graphql',
    express.json({ limit: deps.config.limits.maxBodyBytes }),
    ...(deps.config.trustedDocuments ? [trustedDocumentsMiddleware(deps.config.trustedDocuments, logger)] : []),
    expressMiddleware(server, {
      context: async ({ req }) =>
        createContext({ sources, imports, publicUrl: publicUrl(deps.config, req), requestId: currentRequestId(), maxInlineUploadBytes: deps.config.uploads.maxInlineBytes }),
    }),
  );
  app.use(unknownRoute());
  app.use(requestErrors(logger));
  // Unfinished jobs (a restart, a dead replica) are resumed from here on.
  imports.begin();
  return {
    app,
    sources,
    imports,
    stop: async () => {
      await imports.close();
      await server.stop();
      await cache?.disconnect();
      await locks.close();
    },
  };
}
