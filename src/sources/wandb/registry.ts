import { badInput, gatewayError, notFound } from '../../errors';
import { jsonObjectFilter as wandbFilter } from '../../filters/json-object';
import type { ModelVersionModel, Page, RegisteredModelModel, RegistryModel } from '../../models';
import type { ModelVersionRef, OffsetPage } from '../source';
import type { RegistryWire } from './registry-queries';
import { appUrl, utc } from './to-model';
import type { WandbClient } from './wandb-client';

export const PREFIX = 'wandb-registry-';
/** The SDK's page size for registries, collections and versions. */
const PER_PAGE_MAX = 100;

export type Org = { organization: string; orgEntity: string };
type Filter = Record<string, unknown>;

/** `<registry>/<collection>`: a W&B collection's name in the gateway's registry schema. */
export function splitModelName(name: string): { registry: string; collection: string } {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) throw notFound(`A W&B registered model is named \`<registry>/<collection>\`, got ${JSON.stringify(name)}.`, {});
  return { registry: name.slice(0, slash), collection: name.slice(slash + 1) };
}

const and = (a: Filter, b: Filter): Filter => (Object.keys(b).length === 0 ? a : Object.keys(a).length === 0 ? b : { $and: [a, b] });

/**
 * W&B registries as the gateway's registered models: a collection is a model named
 * `<registry>/<collection>`, its memberships the versions (`v<n>` in W&B, `n` here as in MLflow).
 */
export class WandbRegistries {
  private org: Promise<Org> | null = null;

  constructor(
    private readonly client: WandbClient,
    private readonly source: string,
    private readonly apiUrl: string,
    private readonly entity: () => Promise<string>,
  ) {}

  /** The organization of the key's entity, asked once (FetchOrgInfoFromEntity). */
  organization(): Promise<Org> {
    this.org ??= this.entity().then(async (entity) => {
      const res = await this.client.orgInfo(entity);
      const org = res.entity?.organization ?? res.entity?.user?.organizations?.[0];
      if (!org?.orgEntity) throw gatewayError('UNSUPPORTED_BY_SOURCE', `W&B source '${this.source}' has no organization with registries for entity '${entity}'.`, { source: this.source });
      return { organization: org.name, orgEntity: org.orgEntity.name };
    });
    this.org.catch(() => (this.org = null));
    return this.org;
  }

  private collectionModel(org: Org, c: RegistryWire.Collection): RegisteredModelModel {
    const registry = (c.project?.name ?? '').replace(PREFIX, '');
    return {
      source: this.source,
      name: `${registry}/${c.name}`,
      description: c.description,
      createdAt: utc(c.createdAt),
      updatedAt: utc(c.updatedAt),
      tags: c.tags.edges.map((e) => ({ key: e.node.name, value: null })),
      aliases: null,
      webUrl: `${appUrl(this.apiUrl)}/orgs/${encodeURIComponent(org.organization)}/registry/${encodeURIComponent(registry)}?selectionPath=${encodeURIComponent(`${org.orgEntity}/${PREFIX}${registry}/${c.name}`)}`,
      registry,
      type: c.type?.name ?? null,
    };
  }

  private versionModel(org: Org, m: RegistryWire.Membership): ModelVersionModel | null {
    const a = m.artifact;
    const c = m.artifactCollection;
    if (!a || !c || m.versionIndex === null) return null;
    const registry = (c.project?.name ?? '').replace(PREFIX, '');
    let metadata: Record<string, unknown> | null = null;
    try {
      metadata = a.metadata ? (JSON.parse(a.metadata) as Record<string, unknown>) : null;
    } catch {
      metadata = null;
    }
    const seq = a.artifactSequence;
    return {
      source: this.source,
      modelName: `${registry}/${c.name}`,
      version: String(m.versionIndex),
      description: a.description,
      createdAt: utc(m.createdAt),
      updatedAt: utc(a.updatedAt),
      user: null,
      status: a.state === 'COMMITTED' ? 'READY' : a.state === 'PENDING' ? 'PENDING' : 'FAILED',
      aliases: m.aliases.map((x) => x.alias),
      tags: a.tags.map((t) => ({ key: t.name, value: null })),
      sourceUri: seq.project ? `wandb-artifact://${seq.project.entity.name}/${seq.project.name}/${seq.name}:v${a.versionIndex ?? 0}` : null,
      run: null,
      webUrl: `${appUrl(this.apiUrl)}/orgs/${encodeURIComponent(org.organization)}/registry/${encodeURIComponent(registry)}?selectionPath=${encodeURIComponent(`${org.orgEntity}/${PREFIX}${registry}/${c.name}`)}&version=v${m.versionIndex}`,
      metadata,
    };
  }

  async listRegistries(filter: Filter): Promise<RegistryModel[]> {
    const org = await this.organization();
    const out: RegistryModel[] = [];
    let cursor: string | null = null;
    for (;;) {
      const res = await this.client.registries(org.organization, and({ name: { $regex: `^${PREFIX}` } }, filter), cursor, PER_PAGE_MAX);
      const conn = res.organization?.orgEntity?.projects;
      for (const { node } of conn?.edges ?? []) {
        out.push({ source: this.source, name: node.name.replace(PREFIX, ''), organization: org.organization, description: node.description, createdAt: utc(node.createdAt), updatedAt: utc(node.updatedAt) });
      }
      if (!conn?.pageInfo.hasNextPage) return out;
      cursor = conn.pageInfo.endCursor;
    }
  }

  /** Collections of every registry (or those `registryFilter` selects), with the SDK's collection filter. */
  async listCollections(q: OffsetPage & { filter: Filter; registry?: string | null }): Promise<Page<RegisteredModelModel>> {
    if (q.offset > 0 && !q.token) throw badInput('This cursor cannot resume a W&B listing; start again without `after`.', { argument: 'after' });
    const org = await this.organization();
    const res = await this.client.registryCollections({
      organization: org.organization,
      registryFilter: q.registry ? { name: `${PREFIX}${q.registry}` } : { name: { $regex: `^${PREFIX}` } },
      collectionFilter: q.filter,
      cursor: q.token ?? null,
      perPage: Math.min(q.limit, PER_PAGE_MAX),
    });
    const conn = res.organization?.orgEntity?.artifactCollections;
    return {
      items: (conn?.edges ?? []).map((e) => this.collectionModel(org, e.node)),
      hasMore: conn?.pageInfo.hasNextPage ?? false,
      upstreamCursors: (conn?.edges ?? []).map(() => conn?.pageInfo.endCursor ?? ''),
      total: conn?.totalCount,
    };
  }

  /** By `<registry>/<collection>`: one request per registry named. */
  async getCollections(names: string[]): Promise<Array<RegisteredModelModel | null>> {
    const org = await this.organization();
    const byRegistry = new Map<string, string[]>();
    for (const n of names) {
      const { registry, collection } = splitModelName(n);
      byRegistry.set(registry, [...(byRegistry.get(registry) ?? []), collection]);
    }
    const found = new Map<string, RegisteredModelModel>();
    await Promise.all(
      [...byRegistry].map(async ([registry, collections]) => {
        const res = await this.client.registryCollections({
          organization: org.organization,
          registryFilter: { name: `${PREFIX}${registry}` },
          collectionFilter: { name: { $in: collections } },
          cursor: null,
          perPage: PER_PAGE_MAX,
        });
        for (const e of res.organization?.orgEntity?.artifactCollections?.edges ?? []) {
          const m = this.collectionModel(org, e.node);
          found.set(m.name, m);
        }
      }),
    );
    return names.map((n) => found.get(n) ?? null);
  }

  /** Versions across registries and collections, with the SDK's three filters, newest first. */
  async listVersions(q: OffsetPage & { registryFilter: Filter; collectionFilter: Filter; filter: Filter }): Promise<Page<ModelVersionModel>> {
    if (q.offset > 0 && !q.token) throw badInput('This cursor cannot resume a W&B listing; start again without `after`.', { argument: 'after' });
    const org = await this.organization();
    const res = await this.client.registryVersions({
      organization: org.organization,
      registryFilter: and({ name: { $regex: `^${PREFIX}` } }, q.registryFilter),
      collectionFilter: q.collectionFilter,
      artifactFilter: q.filter,
      cursor: q.token ?? null,
      perPage: Math.min(q.limit, PER_PAGE_MAX),
    });
    const conn = res.organization?.orgEntity?.artifactMemberships;
    const items = (conn?.edges ?? []).map((e) => this.versionModel(org, e.node)).filter((v): v is ModelVersionModel => v !== null);
    return { items, hasMore: conn?.pageInfo.hasNextPage ?? false, upstreamCursors: items.map(() => conn?.pageInfo.endCursor ?? '') };
  }

  listCollectionVersions(model: string, page: OffsetPage, filter: Filter): Promise<Page<ModelVersionModel>> {
    const { registry, collection } = splitModelName(model);
    return this.listVersions({ ...page, registryFilter: { name: `${PREFIX}${registry}` }, collectionFilter: { name: collection }, filter });
  }

  /** Versions by number, one request per collection. */
  async getVersions(refs: ModelVersionRef[]): Promise<Array<ModelVersionModel | null>> {
    const byModel = new Map<string, string[]>();
    for (const r of refs) if (/^\d{1,9}$/.test(r.version)) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r.version]);
    const found = new Map<string, ModelVersionModel>();
    await Promise.all(
      [...byModel].map(async ([model, versions]) => {
        const page = await this.listCollectionVersions(model, { offset: 0, limit: PER_PAGE_MAX }, { version: { $in: versions.map((v) => `v${v}`) } });
        for (const v of page.items) found.set(`${v.modelName}\u0000${v.version}`, v);
      }),
    );
    return refs.map((r) => found.get(`${r.model}\u0000${r.version}`) ?? null);
  }
}
