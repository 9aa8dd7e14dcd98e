import { createHash } from 'node:crypto';
import { dig, matchesWith } from './filters';
import type { StoredArtifact, StoredCollection, StoredMembership } from './registry-state';
import type { TypeFields } from './root';
import type { StoredProject } from './store';
import { connection, parseFilters, ProjectView, type Ctx } from './views';

type EntityObject = { id: string; name: string };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const entityObject = (name: string): EntityObject => ({ id: b64(`Entity:${name}`), name });

function organization(ctx: Ctx) {
  const r = ctx.store.registry;
  if (!r.organization || !r.orgEntity) return null;
  return { id: b64(`Organization:${r.organization}`), name: r.organization, orgEntity: { ...entityObject(r.orgEntity), entityType: 'ORGANIZATION' }, advancedRegistryFeatures: { advancedSearch: false } };
}

/** `-created_at`, `name`, ...: W&B's order strings over the fields the SDK documents. */
function ordered<T>(items: T[], order: string | null | undefined, field: (t: T, key: string) => string | number | undefined): T[] {
  if (!order) return items;
  const desc = order.startsWith('-');
  const key = order.replace(/^[-+]/, '');
  return [...items].sort((a, b) => {
    const x = field(a, key) ?? '';
    const y = field(b, key) ?? '';
    const c = x < y ? -1 : x > y ? 1 : 0;
    return desc ? -c : c;
  });
}

function registryValue(ctx: Ctx, p: StoredProject, path: string): unknown {
  const meta = ctx.store.registry.registryMeta.get(p.id);
  return ({ id: p.id, name: p.name, entity_id: p.entity, description: meta?.description, created_at: meta?.createdAt, updated_at: meta?.createdAt } as Record<string, unknown>)[path];
}

function collectionValue(c: StoredCollection, path: string): unknown {
  return ({ id: c.id, artifact_collection_id: c.id, name: c.name, tag: c.tags, description: c.description, created_at: c.createdAt, updated_at: c.updatedAt } as Record<string, unknown>)[path];
}

function versionValue(m: StoredMembership, path: string): unknown {
  if (path.startsWith('metadata.')) return dig(m.artifact.metadata, path.split('.').slice(1));
  return ({ id: m.artifact.id, version: `v${m.versionIndex}`, tag: m.artifact.tags, alias: m.aliases, created_at: m.artifact.createdAt, updated_at: m.artifact.updatedAt } as Record<string, unknown>)[path];
}

const tagObjects = (tags: string[]) => tags.map((name) => ({ __typename: 'Tag', id: b64(`Tag:${name}`), name }));

export function collectionObject(ctx: Ctx, c: StoredCollection) {
  return {
    __typename: 'ArtifactPortfolio',
    id: b64(`ArtifactCollection:${c.id}`),
    name: c.name,
    description: c.description,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    project: new ProjectView(ctx, c.registry),
    defaultArtifactType: { id: b64(`ArtifactType:${c.type}`), name: c.type },
    tags: { edges: tagObjects(c.tags).map((node) => ({ node })) },
  };
}

export function sequenceObject(ctx: Ctx, a: StoredArtifact) {
  return {
    __typename: 'ArtifactSequence',
    id: b64(`ArtifactSequence:${a.project.id}:${a.sequence}`),
    name: a.sequence,
    description: null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    project: new ProjectView(ctx, a.project),
    defaultArtifactType: { id: b64(`ArtifactType:${a.type}`), name: a.type },
    tags: { edges: [] },
  };
}

export function artifactObject(ctx: Ctx, a: StoredArtifact) {
  const digest = createHash('md5').update(`${a.id}`).digest('hex');
  return {
    __typename: 'Artifact',
    id: b64(`Artifact:${a.id}`),
    artifactSequence: sequenceObject(ctx, a),
    versionIndex: a.sequenceIndex,
    artifactType: { id: b64(`ArtifactType:${a.type}`), name: a.type },
    description: a.description,
    metadata: JSON.stringify(a.metadata),
    ttlDurationSeconds: -2,
    ttlIsInherited: true,
    tags: tagObjects(a.tags),
    historyStep: null,
    state: 'COMMITTED',
    size: 1024,
    digest,
    digestAlgorithm: 'MANIFEST_MD5',
    commitHash: digest.slice(0, 12),
    fileCount: 1,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    aliases: () => artifactAliases(ctx, a),
  };
}

const aliasObject = (alias: string, collectionKey: string, collection: unknown) => ({ __typename: 'ArtifactAlias', id: b64(`ArtifactAlias:${collectionKey}:${alias}`), alias, artifactCollection: collection });

/** Every alias of the artifact: in its own sequence, and in each collection it is linked into. */
function artifactAliases(ctx: Ctx, a: StoredArtifact) {
  const r = ctx.store.registry;
  const sequence = sequenceObject(ctx, a);
  const own = r.sequenceAliases(a).map((alias) => aliasObject(alias, `seq:${a.project.id}:${a.sequence}`, sequence));
  const linked = r.collections.flatMap((c) => c.members.filter((m) => m.artifact === a).flatMap((m) => m.aliases.map((alias) => aliasObject(alias, String(c.id), collectionObject(ctx, c)))));
  return [...own, ...linked];
}

/** A version of an ordinary project's artifact sequence, as W&B presents it: a membership of the sequence. */
export function sequenceMembershipObject(ctx: Ctx, a: StoredArtifact) {
  const sequence = sequenceObject(ctx, a);
  return {
    __typename: 'ArtifactCollectionMembership',
    id: b64(`ArtifactCollectionMembership:seq:${a.id}`),
    versionIndex: a.sequenceIndex,
    createdAt: a.createdAt,
    aliases: ctx.store.registry.sequenceAliases(a).map((alias) => aliasObject(alias, `seq:${a.project.id}:${a.sequence}`, sequence)),
    artifactCollection: sequence,
    artifact: artifactObject(ctx, a),
  };
}

export function membershipObject(ctx: Ctx, c: StoredCollection, m: StoredMembership) {
  const collection = collectionObject(ctx, c);
  return {
    __typename: 'ArtifactCollectionMembership',
    id: b64(`ArtifactCollectionMembership:${m.id}`),
    versionIndex: m.versionIndex,
    createdAt: m.createdAt,
    aliases: m.aliases.map((alias) => aliasObject(alias, String(c.id), collection)),
    artifactCollection: collection,
    artifact: artifactObject(ctx, m.artifact),
  };
}

interface PageArgs {
  after?: string | null;
  first?: number | null;
  order?: string | null;
}

/** Registries the filter selects, for the org entity only (other entities own no registries). */
function registriesOf(ctx: Ctx, entity: EntityObject, filters: string | null | undefined): StoredProject[] {
  if (entity.name !== ctx.store.registry.orgEntity) return [];
  const f = parseFilters(filters);
  return ctx.store.registry.registries().filter((p) => matchesWith(p, f, (x, path) => registryValue(ctx, x, path)));
}

export const registriesRoot = {
  organization: ({ name }: { name: string }, ctx: Ctx) => {
    const org = organization(ctx);
    return org && org.name === name ? org : null;
  },
};

export const registryFields: TypeFields = {
  Entity: {
    organization: (e: EntityObject, _: unknown, ctx: Ctx) => organization(ctx),
    user: (e: EntityObject) => ({ id: b64(`User:${e.name}`), name: e.name, username: e.name }),
    entityType: (e: EntityObject, _: unknown, ctx: Ctx) => (e.name === ctx.store.registry.orgEntity ? 'ORGANIZATION' : 'USER'),
    project: (e: EntityObject, args: { name?: string | null }, ctx: Ctx) => {
      const p = ctx.store.project(e.name, args.name);
      return p ? new ProjectView(ctx, p) : null;
    },
    projects: (e: EntityObject, args: PageArgs & { filters?: string | null }, ctx: Ctx) => {
      const found = ordered(registriesOf(ctx, e, args.filters), args.order, (p, k) => registryValue(ctx, p, k) as string);
      return connection(found, args.after, args.first, (p) => new ProjectView(ctx, p));
    },
    artifactCollections: (e: EntityObject, args: PageArgs & { projectFilters?: string | null; filters?: string | null }, ctx: Ctx) => {
      const registries = new Set(registriesOf(ctx, e, args.projectFilters));
      const f = parseFilters(args.filters);
      const found = ctx.store.registry.collections.filter((c) => registries.has(c.registry) && matchesWith(c, f, collectionValue));
      return connection(ordered(found, args.order, (c, k) => collectionValue(c, k) as string), args.after, args.first, (c) => collectionObject(ctx, c));
    },
    artifactMemberships: (e: EntityObject, args: PageArgs & { projectFilters?: string | null; collectionFilters?: string | null; filters?: string | null }, ctx: Ctx) => {
      const registries = new Set(registriesOf(ctx, e, args.projectFilters));
      const cf = parseFilters(args.collectionFilters);
      const vf = parseFilters(args.filters);
      const found = ctx.store.registry.collections
        .filter((c) => registries.has(c.registry) && matchesWith(c, cf, collectionValue))
        .flatMap((c) => c.members.filter((m) => matchesWith(m, vf, versionValue)).map((m) => ({ c, m })));
      return connection(ordered(found, args.order, ({ m }, k) => versionValue(m, k) as string), args.after, args.first, ({ c, m }) => membershipObject(ctx, c, m));
    },
  },
  ArtifactType: {
    artifactCollection: (t: { name: string; project?: StoredProject }, args: { name: string }, ctx: Ctx) => {
      const c = ctx.store.registry.collections.find((x) => x.registry === t.project && x.type === t.name && x.name === args.name);
      return c ? collectionObject(ctx, c) : null;
    },
  },
  User: {
    organizations: (_: unknown, __: unknown, ctx: Ctx) => {
      const org = organization(ctx);
      return org ? [org] : [];
    },
  },
  Project: {
    createdAt: (p: ProjectView, _: unknown, ctx: Ctx) => ctx.store.registry.registryMeta.get(p.p.id)?.createdAt ?? p.createdAt,
    updatedAt: (p: ProjectView, _: unknown, ctx: Ctx) => ctx.store.registry.registryMeta.get(p.p.id)?.createdAt ?? p.createdAt,
    allowAllArtifactTypesInRegistry: (p: ProjectView, _: unknown, ctx: Ctx) => ctx.store.registry.isRegistry(p.p),
    artifactType: (p: ProjectView, args: { name: string }) => ({ id: b64(`ArtifactType:${args.name}`), name: args.name, project: p.p }),
    artifactTypes: (p: ProjectView, _: unknown, ctx: Ctx) => {
      const types = new Set(ctx.store.registry.collections.filter((c) => c.registry === p.p).map((c) => c.type));
      return { edges: [...types].map((name) => ({ node: { id: b64(`ArtifactType:${name}`), name } })) };
    },
  },
};
