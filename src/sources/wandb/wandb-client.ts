import type { WandbSourceConfig } from '../../config';
import { gatewayError, type GatewayError } from '../../errors';
import { Upstream, type SourceDeps } from '../upstream';
import { DocumentMerger, type PartBuilder } from './document-merger';
import * as Q from './wandb-queries';
import * as IQ from './import-queries';
import type { ImportWire } from './import-queries';
import * as RQ from './registry-queries';
import type { RegistryWire } from './registry-queries';
import type { Wandb } from './wandb-types';
import type { FileUpload } from '../source';

export interface RunsArgs {
  entity: string;
  project: string;
  cursor: string | null;
  perPage: number;
  order: string | null;
  filters: Record<string, unknown>;
}

/** W&B's GraphQL API for one instance (POST <base>/graphql, Basic `api:<key>`). Knows nothing of our schema. */
export class WandbClient {
  private readonly http: Upstream;
  /** For signed storage URLs on other hosts: W&B credentials go only to W&B's own origin. */
  private readonly foreign: Upstream;
  private readonly origin: string;
  private readonly merger = new DocumentMerger((op, query, variables) => this.gql(op, query, variables));

  constructor(private readonly config: WandbSourceConfig, deps: SourceDeps) {
    this.origin = new URL(config.url).origin;
    const common = { source: config.name, label: 'W&B', timeoutMs: config.timeoutMs, fetch: deps.fetch, recorder: deps.recorder, resilience: deps.resilience };
    this.http = new Upstream({
      ...common,
      baseUrl: config.url,
      headers: { accept: 'application/json', authorization: `Basic ${Buffer.from(`api:${config.apiKey}`).toString('base64')}` },
      cache: deps.cache,
      callerAuthorization: config.credentials === 'caller' ? (key) => `Basic ${Buffer.from(`api:${key}`).toString('base64')}` : undefined,
      errorFromResponse: (status, body) => errorFromResponse(config.name, status, body),
    });
    this.foreign = new Upstream({ ...common, baseUrl: '', headers: {}, errorFromResponse: (status, body) => errorFromResponse(config.name, status, body) });
  }

  /**
   * One GraphQL request. W&B answers 200 with `errors` for a query it rejects, and the SDK treats
   * any error as a failure of the whole call; so does the gateway.
   */
  private async gql<T>(op: string, query: string, variables: Record<string, unknown>, userInput = false): Promise<T> {
    const res = await this.http.json<Wandb.GraphqlResponse<T>>(op, { method: 'POST', path: '/graphql', body: { query, variables } });
    return this.dataOf(res, userInput);
  }

  /** A mutation: never cached, and it makes this source's cached reads stale (Upstream.write). */
  private async gqlWrite<T>(op: string, query: string, variables: Record<string, unknown>, userInput = false): Promise<T> {
    const res = await this.http.write<Wandb.GraphqlResponse<T>>(op, { method: 'POST', path: '/graphql', body: { query, variables } });
    return this.dataOf(res, userInput);
  }

  private dataOf<T>(res: Wandb.GraphqlResponse<T>, userInput: boolean): T {
    if (res.errors?.length || !res.data) {
      const why = res.errors?.map((e) => e.message ?? '').join('; ').slice(0, 300) ?? 'no data';
      throw gatewayError(userInput ? 'BAD_USER_INPUT' : 'UPSTREAM_ERROR', `W&B source '${this.config.name}' rejected the query: ${why}`, {
        source: this.config.name,
      });
    }
    return res.data;
  }

  viewer(): Promise<Wandb.Response.Viewer> {
    return this.gql('wandb.viewer', Q.VIEWER, {});
  }

  project(entity: string, project: string): Promise<Wandb.Response.Project> {
    return this.gql('wandb.project', Q.PROJECT, { entity, project });
  }

  projects(entity: string, cursor: string | null, perPage: number): Promise<Wandb.Response.Projects> {
    return this.gql('wandb.projects', Q.PROJECTS, { entity, cursor, perPage });
  }

  /** `userInput`: the filter or order came from the caller, so a rejection is theirs to fix. */
  runs(args: RunsArgs, userInput: boolean): Promise<Wandb.Response.Runs> {
    return this.gql(
      'wandb.runs',
      Q.RUNS,
      { entity: args.entity, project: args.project, cursor: args.cursor, perPage: args.perPage, order: args.order, filters: JSON.stringify(args.filters) },
      userInput,
    );
  }

  /** Every history row of steps [minStep, maxStep): the window asks for as many samples as it has steps. */
  historyPage(entity: string, project: string, run: string, minStep: number, maxStep: number): Promise<ImportWire.HistoryPage> {
    return this.gql('wandb.historyPage', IQ.HISTORY_PAGE, { entity, project, run, minStep, maxStep, pageSize: maxStep - minStep });
  }

  runCount(entity: string, project: string, filters: Record<string, unknown>): Promise<Wandb.Response.RunCount> {
    return this.gql('wandb.runCount', Q.RUN_COUNT, { entity, project, filters: JSON.stringify(filters) }, true);
  }

  /** Aliased reads issued together by one request share a W&B request (see DocumentMerger). */
  private merged<T>(build: PartBuilder): Promise<T> {
    return this.merger.read(build) as Promise<T>;
  }

  sampledHistory(targets: Q.HistoryTarget[]): Promise<Wandb.Response.SampledHistory> {
    return this.merged(Q.sampledHistoryPart(targets));
  }

  /** A run's system-metrics events, one JSON string per sample, as `run.history(stream="events")` reads them. */
  runEvents(entity: string, project: string, run: string, samples: number): Promise<Wandb.Response.RunEvents> {
    return this.gql('wandb.events', Q.RUN_EVENTS, { entity, project, name: run, samples });
  }

  sweeps(entity: string, project: string, cursor: string | null, perPage: number): Promise<Wandb.Response.Sweeps> {
    return this.gql('wandb.sweeps', Q.SWEEPS, { entity, project, cursor, perPage, filters: '{}' });
  }

  sweepsByName(targets: Q.SweepTarget[]): Promise<Wandb.Response.SweepsByName> {
    return this.merged(Q.sweepsPart(targets));
  }

  reports(entity: string, project: string, cursor: string | null, limit: number): Promise<Wandb.Response.Reports> {
    return this.gql('wandb.reports', Q.REPORTS, { entity, project, reportCursor: cursor, reportLimit: limit });
  }

  reportsById(ids: string[]): Promise<Wandb.Response.ReportsById> {
    return this.merged(Q.reportsPart(ids));
  }

  orgInfo(entity: string): Promise<RegistryWire.OrgInfo> {
    return this.gql('wandb.orgInfo', RQ.FETCH_ORG_INFO, { entity });
  }

  registries(organization: string, filters: Record<string, unknown>, cursor: string | null, perPage: number): Promise<RegistryWire.Registries> {
    return this.gql('wandb.registries', RQ.FETCH_REGISTRIES, { organization, filters: JSON.stringify(filters), cursor, perPage, order: 'name' }, true);
  }

  registryCollections(args: { organization: string; registryFilter: object; collectionFilter: object; cursor: string | null; perPage: number }): Promise<RegistryWire.Collections> {
    const { organization, cursor, perPage } = args;
    return this.gql('wandb.registryCollections', RQ.REGISTRY_COLLECTIONS, { organization, registryFilter: JSON.stringify(args.registryFilter), collectionFilter: JSON.stringify(args.collectionFilter), cursor, perPage, order: 'name' }, true);
  }

  registryVersions(args: { organization: string; registryFilter: object; collectionFilter: object; artifactFilter: object; cursor: string | null; perPage: number }): Promise<RegistryWire.Versions> {
    const { organization, cursor, perPage } = args;
    return this.gql(
      'wandb.registryVersions',
      RQ.REGISTRY_VERSIONS,
      { organization, registryFilter: JSON.stringify(args.registryFilter), collectionFilter: JSON.stringify(args.collectionFilter), artifactFilter: JSON.stringify(args.artifactFilter), cursor, perPage },
      true,
    );
  }

  /** A version of a collection by `<collection>:<version or alias>`, in a registry or an ordinary project. */
  artifactMembership(entity: string, project: string, name: string): Promise<RegistryWire.MembershipByName> {
    return this.gql('wandb.artifactMembership', RQ.ARTIFACT_MEMBERSHIP_BY_NAME, { entity, project, name });
  }

  /** Links an artifact into a collection (W&B creates the collection if it is new). */
  linkArtifact(input: { artifactID: string; artifactPortfolioName: string; entityName: string; projectName: string; aliases: Array<{ artifactCollectionName: string; alias: string }> }): Promise<RegistryWire.Link> {
    return this.gqlWrite('wandb.linkArtifact', RQ.LINK_ARTIFACT, { input });
  }

  addAliases(artifactID: string, aliases: RegistryWire.CollectionAlias[]): Promise<unknown> {
    return this.gqlWrite('wandb.addAliases', RQ.ADD_ALIASES, { input: { artifactID, aliases } });
  }

  deleteAliases(artifactID: string, aliases: RegistryWire.CollectionAlias[]): Promise<unknown> {
    return this.gqlWrite('wandb.deleteAliases', RQ.DELETE_ALIASES, { input: { artifactID, aliases } });
  }

  /** Only the fields given change; `config` and `summaryMetrics` replace the run's whole config or summary. */
  upsertBucket(vars: { id: string; displayName?: string; notes?: string; tags?: string[]; config?: string; summaryMetrics?: string; groupName?: string; jobType?: string }): Promise<unknown> {
    return this.gqlWrite('wandb.upsertBucket', Q.UPSERT_BUCKET, vars);
  }

  /** Creates the run named `name` in entity/project, or updates it (wandb-core's UpsertBucket). */
  upsertRun(vars: { name: string; project: string; entity: string; displayName: string; notes: string | null; groupName: string | null; jobType: string | null; state: string; tags: string[]; config: string; summaryMetrics: string; commit: string | null }): Promise<ImportWire.UpsertRun> {
    return this.gqlWrite('wandb.upsertBucket', IQ.UPSERT_RUN, vars);
  }

  /** POST <base>/files/<entity>/<project>/<run>/file_stream, as wandb-core's filestream sends it. */
  fileStream(entity: string, project: string, run: string, body: ImportWire.FileStreamRequest): Promise<unknown> {
    const path = `/files/${[entity, project, run].map(encodeURIComponent).join('/')}/file_stream`;
    return this.http.write('wandb.fileStream', { method: 'POST', path, body });
  }

  /** A new report (a view of type "runs"), as wandb-workspaces saves one. */
  upsertView(args: { entity: string; project: string; name: string; title: string; description: string | null; spec: Record<string, unknown> }): Promise<Wandb.Response.UpsertView> {
    return this.gqlWrite('wandb.upsertView', Q.UPSERT_VIEW, {
      id: null,
      entityName: args.entity,
      projectName: args.project,
      type: 'runs',
      name: args.name,
      displayName: args.title,
      description: args.description,
      spec: JSON.stringify(args.spec),
    });
  }

  runFiles(args: { entity: string; project: string; run: string; cursor: string | null; limit: number; names?: string[]; pattern?: string }): Promise<Wandb.Response.RunFiles> {
    return this.gql('wandb.runFiles', Q.RUN_FILES, {
      entity: args.entity,
      project: args.project,
      name: args.run,
      fileCursor: args.cursor,
      fileLimit: args.limit,
      fileNames: args.names ?? [],
      pattern: args.pattern,
    });
  }

  createRunFiles(entity: string, project: string, run: string, files: string[]): Promise<Wandb.Response.CreateRunFiles> {
    return this.gqlWrite('wandb.createRunFiles', Q.CREATE_RUN_FILES, { entity, project, run, files });
  }

  markRunFilesUploaded(entity: string, project: string, run: string, files: string[]): Promise<Wandb.Response.Success> {
    return this.gqlWrite('wandb.markRunFilesUploaded', Q.MARK_RUN_FILES_UPLOADED, { entity, project, run, files });
  }

  deleteFiles(ids: string[], projectId: number | null): Promise<Wandb.Response.Success> {
    return this.gqlWrite('wandb.deleteFiles', Q.DELETE_FILES, { files: ids, projectId });
  }

  /**
   * PUT the bytes to an upload URL from createRunFiles, with its `Name:value` upload headers; with
   * credentials only when it is on W&B's own origin (signed storage URLs carry their own).
   */
  upload(url: string, uploadHeaders: string[], upload: FileUpload): Promise<void> {
    const u = new URL(url, this.config.url);
    const via = u.origin === this.origin ? this.http : this.foreign;
    const headers: Record<string, string> = {};
    for (const h of uploadHeaders) {
      const colon = h.indexOf(':');
      if (colon > 0) headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    }
    return via.upload('wandb.files.upload', { method: 'PUT', path: u.toString(), headers, body: upload.body, length: upload.length, signal: upload.signal });
  }

  /** GET a file's URL; with credentials only when it is on W&B's own origin, as the SDK does. */
  download(url: string): Promise<Response> {
    const u = new URL(url, this.config.url);
    const via = u.origin === this.origin ? this.http : this.foreign;
    return via.stream('wandb.files.download', { method: 'GET', path: u.toString() });
  }
}

/** W&B error bodies are `{errors: [{message}]}` or `{error}`; only a 400's message is kept. */
export function errorFromResponse(source: string, status: number, body: string): GatewayError {
  let message = '';
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ message?: string }>; error?: string };
    message = parsed.errors?.map((e) => e.message ?? '').join('; ') ?? parsed.error ?? '';
  } catch {
    // A text body: only the status is used.
  }
  const details = { source, upstreamStatus: status };
  const label = `W&B source '${source}'`;
  if (status === 400) return gatewayError('BAD_USER_INPUT', `${label} rejected the request${message ? `: ${message.slice(0, 300)}` : '.'}`, details);
  if (status === 401) return gatewayError('UNAUTHENTICATED', `${label} refused the gateway's API key.`, details);
  if (status === 403) return gatewayError('FORBIDDEN', `${label} denied access.`, details);
  if (status === 404) return gatewayError('NOT_FOUND', `${label} has no such object.`, details);
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return gatewayError('UPSTREAM_UNAVAILABLE', `${label} is unavailable (HTTP ${status}).`, details);
  }
  return gatewayError('UPSTREAM_ERROR', `${label} failed (HTTP ${status}).`, details);
}
