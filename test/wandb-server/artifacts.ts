import { artifactObject, membershipObject, sequenceMembershipObject } from './registries';
import type { StoredArtifact, StoredCollection, StoredMembership } from './registry-state';
import type { TypeFields } from './root';
import type { StoredProject } from './store';
import { isoNoZone } from './store';
import type { Ctx, ProjectView } from './views';

interface CollectionAlias {
  alias: string;
  artifactCollectionName: string;
  entityName: string;
  projectName: string;
}

interface LinkInput {
  artifactID?: string | null;
  artifactPortfolioID?: string | null;
  artifactPortfolioName?: string | null;
  entityName?: string | null;
  projectName?: string | null;
  aliases?: Array<{ alias: string; artifactCollectionName: string }> | null;
}

interface UpdateInput {
  artifactID: string;
  description?: string | null;
  metadata?: string | null;
  tagsToAdd?: Array<{ tagName: string }> | null;
  tagsToDelete?: Array<{ tagName: string }> | null;
}

const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

function artifactById(ctx: Ctx, id: string | null | undefined): StoredArtifact {
  const [kind, n] = unb64(id ?? '').split(':');
  const a = kind === 'Artifact' ? ctx.store.registry.artifacts.find((x) => x.id === Number(n)) : undefined;
  if (!a) throw new Error(`artifact ${JSON.stringify(id)} not found`);
  return a;
}

/** W&B's alias rule: no version-like names, no path separators (the SDK checks the same). */
function checkAlias(alias: string): void {
  if (!alias || alias.length > 128 || /[/:]/.test(alias) || /^v\d+$/.test(alias)) throw new Error(`invalid alias ${JSON.stringify(alias)}`);
}

/** `name:v3`, `name:alias`, or `name` (its latest version). */
function splitName(name: string): { collection: string; version: number | null; alias: string | null } {
  const colon = name.lastIndexOf(':');
  const collection = colon < 0 ? name : name.slice(0, colon);
  const ref = colon < 0 ? 'latest' : name.slice(colon + 1);
  const index = /^v(\d+)$/.exec(ref);
  return { collection, version: index ? Number(index[1]) : null, alias: index ? null : ref };
}

function membershipByName(ctx: Ctx, project: StoredProject, name: string) {
  const r = ctx.store.registry;
  const { collection, version, alias } = splitName(name);
  const portfolio = r.collection(project, collection);
  if (portfolio) {
    const m = portfolio.members.find((x) => (version !== null ? x.versionIndex === version : x.aliases.includes(alias ?? '')));
    return m ? membershipObject(ctx, portfolio, m) : null;
  }
  const versions = r.sequenceVersions(project, collection);
  const a = versions.find((x) => (version !== null ? x.sequenceIndex === version : r.sequenceAliases(x).includes(alias ?? '')));
  return a ? sequenceMembershipObject(ctx, a) : null;
}

type AliasTarget = { kind: 'portfolio'; collection: StoredCollection; member: StoredMembership } | { kind: 'sequence' };

/** Where an alias input points for this artifact: its link in a collection, or its own sequence. */
function aliasTarget(ctx: Ctx, artifact: StoredArtifact, t: CollectionAlias): AliasTarget {
  const project = ctx.store.project(t.entityName, t.projectName);
  if (!project) throw new Error(`project ${t.entityName}/${t.projectName} not found`);
  const collection = ctx.store.registry.collection(project, t.artifactCollectionName);
  if (collection) {
    const member = collection.members.find((m) => m.artifact === artifact);
    if (!member) throw new Error(`artifact is not linked to ${t.artifactCollectionName}`);
    return { kind: 'portfolio', collection, member };
  }
  if (artifact.project === project && artifact.sequence === t.artifactCollectionName) return { kind: 'sequence' };
  throw new Error(`artifact collection ${t.artifactCollectionName} not found`);
}

/** Every alias is checked before any changes, so a rejected request changes nothing. */
function changeAliases(ctx: Ctx, input: { artifactID: string; aliases: CollectionAlias[] }, add: boolean) {
  const r = ctx.store.registry;
  const artifact = artifactById(ctx, input.artifactID);
  const planned = input.aliases.map((t) => {
    checkAlias(t.alias);
    if (t.alias === 'latest') throw new Error('the latest alias is managed by W&B');
    return { alias: t.alias, target: aliasTarget(ctx, artifact, t) };
  });
  for (const { alias, target } of planned) {
    if (target.kind === 'sequence') {
      if (add) r.moveSequenceAlias(artifact, alias);
      else artifact.aliases = artifact.aliases.filter((x) => x !== alias);
    } else if (add) r.moveAlias(target.collection, target.member, alias);
    else target.member.aliases = target.member.aliases.filter((x) => x !== alias);
  }
  return { success: true };
}

export const artifactsRoot = {
  artifact: ({ id }: { id: string }, ctx: Ctx) => {
    try {
      return artifactObject(ctx, artifactById(ctx, id));
    } catch {
      return null;
    }
  },

  /** The SDK's `Artifact.link`: into a collection named by id or by entity/project/name (created if new). */
  linkArtifact: ({ input }: { input: LinkInput }, ctx: Ctx) => {
    const r = ctx.store.registry;
    const artifact = artifactById(ctx, input.artifactID);
    let project: StoredProject | null;
    let name: string;
    if (input.artifactPortfolioID) {
      const id = Number(unb64(input.artifactPortfolioID).split(':')[1]);
      const c = r.collections.find((x) => x.id === id);
      if (!c) throw new Error('artifact portfolio not found');
      project = c.registry;
      name = c.name;
    } else {
      project = ctx.store.project(input.entityName, input.projectName);
      name = input.artifactPortfolioName ?? '';
    }
    if (!project) throw new Error(`project ${input.entityName}/${input.projectName} not found`);
    if (!/^[\w.-]{1,128}$/.test(name)) throw new Error(`invalid collection name ${JSON.stringify(name)}`);
    const aliases = (input.aliases ?? []).filter((a) => a.artifactCollectionName === name).map((a) => a.alias);
    for (const a of aliases) checkAlias(a);
    const member = r.link(artifact, project, name, aliases);
    const collection = r.collection(project, name) as StoredCollection;
    return { versionIndex: member.versionIndex, artifactMembership: membershipObject(ctx, collection, member) };
  },

  addAliases: ({ input }: { input: { artifactID: string; aliases: CollectionAlias[] } }, ctx: Ctx) => changeAliases(ctx, input, true),
  deleteAliases: ({ input }: { input: { artifactID: string; aliases: CollectionAlias[] } }, ctx: Ctx) => changeAliases(ctx, input, false),

  /** Description, metadata and tags of the artifact itself (shared by all its links). */
  updateArtifact: ({ input }: { input: UpdateInput }, ctx: Ctx) => {
    const a = artifactById(ctx, input.artifactID);
    let metadata = a.metadata;
    if (input.metadata != null) {
      const v = JSON.parse(input.metadata) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('metadata must be a JSON object');
      metadata = v as Record<string, unknown>;
    }
    const drop = new Set((input.tagsToDelete ?? []).map((t) => t.tagName));
    const tags = [...new Set([...a.tags.filter((t) => !drop.has(t)), ...(input.tagsToAdd ?? []).map((t) => t.tagName)])];
    Object.assign(a, { metadata, tags, updatedAt: isoNoZone(new Date()) }, input.description != null ? { description: input.description } : {});
    return { artifact: artifactObject(ctx, a) };
  },
};

export const artifactFields: TypeFields = {
  Project: {
    artifactCollectionMembership: (p: ProjectView, args: { name: string }, ctx: Ctx) => membershipByName(ctx, p.p, args.name),
  },
};
