import type { Express } from 'express';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import { CallLog, type FetchFn } from '../../src/sources/upstream';

export interface TestApp {
  http: ReturnType<typeof request>;
  /** The express app itself, for tests that need a listening server (aborted uploads). */
  express: Express;
  calls: CallLog;
  config: Config;
  stop(): Promise<void>;
  /** Posts a GraphQL operation and returns the parsed body. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
}

export interface GqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; source?: string; [k: string]: unknown };
}

export interface GqlResult<T> {
  data?: T | null;
  errors?: GqlError[];
}

/** The real app (real connectors) over the given fetch: a fake one for unit tests, the real one for integration. */
export async function buildTestApp(opts: { env: Record<string, string>; fetch?: FetchFn; logger?: Logger; importDestination?: AppDeps['importDestination'] }): Promise<TestApp> {
  // Call-count tests need every read to reach the upstream; cache tests turn it on themselves.
  const config = loadConfig({ MLGATE_CACHE: 'off', ...opts.env });
  const calls = new CallLog();
  const built = await createApp({ config, fetch: opts.fetch, recorder: calls, logger: opts.logger ?? createLogger('silent'), importDestination: opts.importDestination });
  const http = request(built.app);
  return {
    http,
    express: built.app,
    calls,
    config,
    stop: built.stop,
    gql: async <T>(query: string, variables?: Record<string, unknown>) => {
      const res = await http.post('/graphql').set('content-type', 'application/json').send({ query, variables });
      return res.body as GqlResult<T>;
    },
  };
}

/** Fails with the whole response (and the upstream calls) in view when a result carries errors. */
export function expectNoErrors<T>(result: GqlResult<T>, calls?: CallLog): T {
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(result, null, 2)}\nupstream calls: ${JSON.stringify(calls?.byOp() ?? {})}`);
  }
  return result.data;
}

export function errorCodes(result: GqlResult<unknown>): Array<string | undefined> {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}
