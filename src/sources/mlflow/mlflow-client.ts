import { gatewayError, type GatewayError } from '../../errors';
import type { MlflowSourceConfig } from '../../config';
import { authHeaders, Upstream, type SourceDeps } from '../upstream';
import type { Mlflow } from './mlflow-types';
import type { FileUpload } from '../source';

/** Server-side limits (mlflow handlers and stores). */
export const MLFLOW_LIMITS = {
  runsPerSearch: 50000,
  registeredModelsPerSearch: 1000,
  runsPerBulkHistory: 100,
  pointsPerBulkHistory: 2500,
  pointsPerHistoryPage: 25000,
} as const;

/**
 * MLflow page tokens are base64 of `{"offset": N}` (search_utils create_page_token); the gateway owns
 * its cursors and keeps offsets, so only this client turns an offset into a token.
 */
function pageToken(offset: number): string | undefined {
  return offset > 0 ? Buffer.from(JSON.stringify({ offset })).toString('base64') : undefined;
}

/** MLflow's REST API (/api/2.0/mlflow/...) for one tracking server. Knows nothing about GraphQL. */
export class MlflowClient {
  private readonly http: Upstream;

  constructor(config: MlflowSourceConfig, deps: SourceDeps) {
    this.http = new Upstream({
      source: config.name,
      label: 'MLflow',
      baseUrl: config.url,
      headers: { accept: 'application/json', ...authHeaders(config.auth) },
      timeoutMs: config.timeoutMs,
      fetch: deps.fetch,
      recorder: deps.recorder,
      resilience: deps.resilience,
      cache: deps.cache,
      // A caller's MLflow credentials: a full `Basic ...`/`Bearer ...` value, or a bare token.
      callerAuthorization: config.credentials === 'caller' ? (secret) => (/^(basic|bearer) /i.test(secret) ? secret : `Bearer ${secret}`) : undefined,
      errorFromResponse: (status, body) => errorFromResponse(config.name, status, body),
    });
  }

  /** GET /health */
  async health(): Promise<void> {
    await (await this.http.stream('mlflow.health', { method: 'GET', path: '/health' })).text();
  }

  /** POST experiments/search */
  searchExperiments(args: { offset: number; maxResults: number }): Promise<Mlflow.Response.ExperimentsSearch> {
    return this.http.json('mlflow.experiments.search', {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/search',
      body: {
        max_results: args.maxResults,
        page_token: pageToken(args.offset),
        order_by: ['creation_time ASC', 'experiment_id ASC'],
        view_type: 'ACTIVE_ONLY',
      },
    });
  }

  /** POST experiments/search by MLflow's own page token, never cached (imports). */
  scanExperiments(pageToken: string | null, maxResults: number): Promise<Mlflow.Response.ExperimentsSearch> {
    return this.http.fresh('mlflow.experiments.scan', {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/search',
      body: { max_results: maxResults, page_token: pageToken ?? undefined, order_by: ['creation_time ASC', 'experiment_id ASC'], view_type: 'ACTIVE_ONLY' },
    });
  }

  /** GET experiments/get */
  getExperiment(experimentId: string): Promise<Mlflow.Response.ExperimentsGet> {
    return this.http.json('mlflow.experiments.get', {
      method: 'GET',
      path: '/api/2.0/mlflow/experiments/get',
      query: { experiment_id: experimentId },
    });
  }

  /** POST runs/search */
  searchRuns(args: {
    experimentIds: string[];
    filter: string | null;
    orderBy: string[] | null;
    offset: number;
    maxResults: number;
    viewType: 'ACTIVE_ONLY' | 'ALL';
  }): Promise<Mlflow.Response.RunsSearch> {
    return this.http.json('mlflow.runs.search', {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/search',
      body: {
        experiment_ids: args.experimentIds,
        filter: args.filter ?? undefined,
        order_by: args.orderBy ?? undefined,
        max_results: args.maxResults,
        page_token: pageToken(args.offset),
        run_view_type: args.viewType,
      },
    });
  }

  /**
   * POST runs/search following MLflow's own `next_page_token`, for reads of every run (imports).
   * Never cached: an import must see the runs as they are now.
   */
  scanRuns(args: { experimentIds: string[]; filter: string | null; pageToken: string | null; maxResults: number }): Promise<Mlflow.Response.RunsSearch> {
    return this.http.fresh('mlflow.runs.scan', {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/search',
      body: {
        experiment_ids: args.experimentIds,
        filter: args.filter ?? undefined,
        order_by: ['attributes.start_time ASC'],
        max_results: args.maxResults,
        page_token: args.pageToken ?? undefined,
        run_view_type: 'ACTIVE_ONLY',
      },
    });
  }

  /** GET metrics/get-history: one page of one metric's full-resolution history. */
  getMetricHistory(args: { runId: string; key: string; pageToken: string | null; maxResults: number }): Promise<Mlflow.Response.MetricsGetHistory> {
    return this.http.fresh('mlflow.metrics.getHistory', {
      method: 'GET',
      path: '/api/2.0/mlflow/metrics/get-history',
      query: { run_id: args.runId, metric_key: args.key, max_results: args.maxResults, page_token: args.pageToken ?? undefined },
    });
  }

  /** POST runs/log-batch: MLflow applies it whole or not at all. */
  logBatch(runId: string, batch: { metrics?: Array<{ key: string; value: number; timestamp: number; step: number }>; params?: Array<{ key: string; value: string }>; tags?: Array<{ key: string; value: string }> }): Promise<unknown> {
    return this.http.write('mlflow.runs.logBatch', { method: 'POST', path: '/api/2.0/mlflow/runs/log-batch', body: { run_id: runId, ...batch } });
  }

  /** POST runs/update: the run's name. */
  updateRunName(runId: string, runName: string): Promise<unknown> {
    return this.http.write('mlflow.runs.update', { method: 'POST', path: '/api/2.0/mlflow/runs/update', body: { run_id: runId, run_name: runName } });
  }

  /** POST runs/delete-tag */
  deleteTag(runId: string, key: string): Promise<unknown> {
    return this.http.write('mlflow.runs.deleteTag', { method: 'POST', path: '/api/2.0/mlflow/runs/delete-tag', body: { run_id: runId, key } });
  }

  /** GET runs/get */
  getRun(runId: string): Promise<Mlflow.Response.RunsGet> {
    return this.http.json('mlflow.runs.get', { method: 'GET', path: '/api/2.0/mlflow/runs/get', query: { run_id: runId } });
  }

  /** GET metrics/get-history-bulk-interval: up to 100 runs and 2500 points per run for one key. */
  getHistoryBulkInterval(args: {
    runIds: string[];
    key: string;
    maxResults: number;
    startStep?: number;
    endStep?: number;
  }): Promise<Mlflow.Response.MetricsBulkInterval> {
    return this.http.json('mlflow.metrics.getHistoryBulkInterval', {
      method: 'GET',
      path: '/api/2.0/mlflow/metrics/get-history-bulk-interval',
      query: {
        run_ids: args.runIds,
        metric_key: args.key,
        max_results: args.maxResults,
        start_step: args.startStep,
        end_step: args.endStep,
      },
    });
  }

  /** GET artifacts/list: one directory level. */
  listArtifacts(runId: string, path: string): Promise<Mlflow.Response.ArtifactsList> {
    return this.http.json('mlflow.artifacts.list', {
      method: 'GET',
      path: '/api/2.0/mlflow/artifacts/list',
      query: { run_id: runId, path: path || undefined },
    });
  }

  /** GET /get-artifact: the file's bytes, streamed. */
  downloadArtifact(runId: string, path: string): Promise<Response> {
    return this.http.stream('mlflow.artifacts.download', { method: 'GET', path: '/get-artifact', query: { run_id: runId, path } });
  }

  /** PUT mlflow-artifacts/artifacts/<path>: the artifact proxy stores the raw body (paths under --artifacts-destination). */
  uploadArtifact(proxyPath: string, upload: FileUpload): Promise<void> {
    return this.http.upload('mlflow.artifacts.upload', { method: 'PUT', path: proxyUrlPath(proxyPath), body: upload.body, length: upload.length, signal: upload.signal });
  }

  /** DELETE mlflow-artifacts/artifacts/<path>: one file. */
  deleteArtifact(proxyPath: string): Promise<unknown> {
    return this.http.write('mlflow.artifacts.delete', { method: 'DELETE', path: proxyUrlPath(proxyPath) });
  }

  /** GET registered-models/search */
  searchRegisteredModels(args: { filter: string | null; offset: number; maxResults: number }): Promise<Mlflow.Response.RegisteredModelsSearch> {
    return this.http.json('mlflow.registeredModels.search', {
      method: 'GET',
      path: '/api/2.0/mlflow/registered-models/search',
      query: { filter: args.filter ?? undefined, max_results: args.maxResults, page_token: pageToken(args.offset), order_by: ['name ASC'] },
    });
  }

  /** GET registered-models/get */
  getRegisteredModel(name: string): Promise<Mlflow.Response.RegisteredModelsGet> {
    return this.http.json('mlflow.registeredModels.get', { method: 'GET', path: '/api/2.0/mlflow/registered-models/get', query: { name } });
  }

  /** GET model-versions/search */
  searchModelVersions(args: { filter: string; offset: number; maxResults: number }): Promise<Mlflow.Response.ModelVersionsSearch> {
    return this.http.json('mlflow.modelVersions.search', {
      method: 'GET',
      path: '/api/2.0/mlflow/model-versions/search',
      query: { filter: args.filter, max_results: args.maxResults, page_token: pageToken(args.offset), order_by: ['version_number DESC'] },
    });
  }

  /** POST registered-models/alias: points the alias at this version, moving it from any other. */
  setModelAlias(name: string, alias: string, version: string): Promise<unknown> {
    return this.http.write('mlflow.registeredModels.setAlias', { method: 'POST', path: '/api/2.0/mlflow/registered-models/alias', body: { name, alias, version } });
  }

  /** DELETE registered-models/alias */
  deleteModelAlias(name: string, alias: string): Promise<unknown> {
    return this.http.write('mlflow.registeredModels.deleteAlias', { method: 'DELETE', path: '/api/2.0/mlflow/registered-models/alias', body: { name, alias } });
  }

  /** POST model-versions/create: a new version of the registered model from files at `source`. */
  createModelVersion(args: { name: string; source: string; runId: string; description: string | null }): Promise<Mlflow.Response.ModelVersionsGet> {
    const body = { name: args.name, source: args.source, run_id: args.runId, ...(args.description != null ? { description: args.description } : {}) };
    return this.http.write('mlflow.modelVersions.create', { method: 'POST', path: '/api/2.0/mlflow/model-versions/create', body });
  }

  /** GET model-versions/get */
  getModelVersion(name: string, version: string): Promise<Mlflow.Response.ModelVersionsGet> {
    return this.http.json('mlflow.modelVersions.get', { method: 'GET', path: '/api/2.0/mlflow/model-versions/get', query: { name, version } });
  }
}

const proxyUrlPath = (path: string) => `/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;

/**
 * MLflow's error body is `{error_code, message}`, but proxies, the security middleware and
 * basic-auth answer with text. A 400's message explains the caller's own input (a bad filter), so it
 * is kept, shortened; other bodies are never passed on.
 */
export function errorFromResponse(source: string, status: number, body: string): GatewayError {
  let parsed: Mlflow.ErrorBody = {};
  try {
    parsed = JSON.parse(body) as Mlflow.ErrorBody;
  } catch {
    // A text body: only the status is used.
  }
  const upstreamCode = typeof parsed.error_code === 'string' ? parsed.error_code : undefined;
  const details = { source, upstreamStatus: status, ...(upstreamCode ? { upstreamCode } : {}) };
  const label = `MLflow source '${source}'`;
  if (status === 400) {
    const why = typeof parsed.message === 'string' ? `: ${parsed.message.slice(0, 300)}` : '.';
    return gatewayError('BAD_USER_INPUT', `${label} rejected the request${why}`, details);
  }
  if (status === 401) return gatewayError('UNAUTHENTICATED', `${label} refused the gateway's credentials.`, details);
  if (status === 403) return gatewayError('FORBIDDEN', `${label} denied access.`, details);
  if (status === 404 && upstreamCode !== 'ENDPOINT_NOT_FOUND' && upstreamCode !== undefined) {
    return gatewayError('NOT_FOUND', `${label} has no such object.`, details);
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return gatewayError('UPSTREAM_UNAVAILABLE', `${label} is unavailable (HTTP ${status}).`, details);
  }
  return gatewayError('UPSTREAM_ERROR', `${label} failed (HTTP ${status}).`, details);
}
