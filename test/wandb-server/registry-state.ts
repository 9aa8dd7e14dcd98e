import type { Store, StoredProject } from './store';

/** Seed shape: registries of the organization, their collections and the versions linked into them. */
export interface SeedRegistries {
  organization: string;
  /** The organization's entity, which owns the registries (projects `wandb-registry-<name>`). */
  orgEntity: string;
  registries: Array<{
    name: string;
    description: string;
    createdAt: string;
    collections: Array<{
      name: string;
      type: string;
      description: string;
      tags: string[];
      createdAt: string;
      versions: Array<{ aliases: string[]; tags: string[]; metadata: Record<string, unknown>; description: string; createdAt: string; source: { project: string; name: string } }>;
    }>;
  }>;
  /** Artifact versions logged to ordinary projects and linked nowhere yet, in version order. */
  logged?: Array<{ project: string; name: string; type: string; versions: Array<{ aliases: string[]; tags: string[]; metadata: Record<string, unknown>; description: string; createdAt: string }> }>;
}

export interface StoredArtifact {
  id: number;
  /** The run project and artifact sequence it was logged to, and its index there. */
  project: StoredProject;
  sequence: string;
  sequenceIndex: number;
  type: string;
  description: string;
  metadata: Record<string, unknown>;
  tags: string[];
  /** Aliases within its own sequence; `latest` is not stored but always names the newest version. */
  aliases: string[];
  createdAt: string;
  updatedAt: string;
}

export interface StoredMembership {
  id: number;
  artifact: StoredArtifact;
  versionIndex: number;
  aliases: string[];
  createdAt: string;
}

export interface StoredCollection {
  id: number;
  registry: StoredProject;
  name: string;
  type: string;
  description: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  members: StoredMembership[];
}

export const REGISTRY_PREFIX = 'wandb-registry-';
const nowNoZone = () => new Date().toISOString().slice(0, 19);

/**
 * Registries are projects `wandb-registry-<name>` of the organization's entity; collections
 * (portfolios) hold memberships that link artifact versions logged in ordinary projects.
 */
export class RegistryState {
  readonly organization: string | null;
  readonly orgEntity: string | null;
  readonly registryMeta = new Map<number, { description: string; createdAt: string }>();
  readonly collections: StoredCollection[] = [];
  readonly artifacts: StoredArtifact[] = [];
  private nextId = 1;

  constructor(readonly store: Store, seed: SeedRegistries | undefined) {
    this.organization = seed?.organization ?? null;
    this.orgEntity = seed?.orgEntity ?? null;
    for (const r of seed?.registries ?? []) {
      const registry = this.addProject(seed?.orgEntity ?? store.entity, `${REGISTRY_PREFIX}${r.name}`);
      this.registryMeta.set(registry.id, { description: r.description, createdAt: r.createdAt });
      Object.assign(store.reports.projectInfo(registry), { description: r.description, access: 'PRIVATE' });
      for (const c of r.collections) {
        const collection = this.addCollection(registry, c.name, c.type, c.description, c.tags, c.createdAt);
        for (const v of c.versions) {
          const source = store.project(store.entity, v.source.project);
          if (!source) throw new Error(`registry seed: no project ${v.source.project}`);
          const artifact = this.addArtifact(source, v.source.name, c.type, v);
          collection.members.push({ id: this.nextId++, artifact, versionIndex: collection.members.length, aliases: [...v.aliases], createdAt: v.createdAt });
        }
      }
    }
    for (const l of seed?.logged ?? []) {
      const project = store.project(store.entity, l.project);
      if (!project) throw new Error(`registry seed: no project ${l.project}`);
      for (const v of l.versions) this.addArtifact(project, l.name, l.type, v).aliases.push(...v.aliases);
    }
  }

  private addProject(entity: string, name: string): StoredProject {
    const project: StoredProject = { id: this.store.projects.length + 1, entity, name, runs: [], sweeps: [] };
    this.store.projects.push(project);
    return project;
  }

  addCollection(registry: StoredProject, name: string, type: string, description: string, tags: string[], createdAt = nowNoZone()): StoredCollection {
    const c = { id: this.nextId++, registry, name, type, description, tags: [...tags], createdAt, updatedAt: createdAt, members: [] };
    this.collections.push(c);
    return c;
  }

  addArtifact(project: StoredProject, sequence: string, type: string, v: { tags: string[]; metadata: Record<string, unknown>; description: string; createdAt: string }): StoredArtifact {
    const sequenceIndex = this.artifacts.filter((a) => a.project === project && a.sequence === sequence).length;
    const a = { id: this.nextId++, project, sequence, sequenceIndex, type, description: v.description, metadata: v.metadata, tags: [...v.tags], aliases: [], createdAt: v.createdAt, updatedAt: v.createdAt };
    this.artifacts.push(a);
    return a;
  }

  isRegistry = (p: StoredProject): boolean => p.entity === this.orgEntity && p.name.startsWith(REGISTRY_PREFIX);

  registries(): StoredProject[] {
    return this.store.projects.filter(this.isRegistry);
  }

  /** The versions of an artifact sequence (an ordinary project's artifact name), oldest first. */
  sequenceVersions(project: StoredProject, sequence: string): StoredArtifact[] {
    return this.artifacts.filter((a) => a.project === project && a.sequence === sequence);
  }

  sequenceAliases(a: StoredArtifact): string[] {
    const newest = this.sequenceVersions(a.project, a.sequence).at(-1);
    return newest === a ? [...a.aliases, 'latest'] : [...a.aliases];
  }

  collection(registry: StoredProject, name: string): StoredCollection | undefined {
    return this.collections.find((c) => c.registry === registry && c.name === name);
  }

  /**
   * Links an artifact into a collection (created if new). A new link takes the next version index
   * and `latest` (the SDK documents that W&B applies it to the newest link). A collection holds an
   * artifact once: linking it again returns its version and only adds the aliases. An alias moves
   * here from any other version of the collection.
   */
  link(artifact: StoredArtifact, registry: StoredProject, collectionName: string, aliases: string[]): StoredMembership {
    const collection = this.collection(registry, collectionName) ?? this.addCollection(registry, collectionName, artifact.type, '', []);
    if (collection.type !== artifact.type) throw new Error(`artifact type ${artifact.type} cannot be linked into collection ${collectionName} of type ${collection.type}`);
    let member = collection.members.find((m) => m.artifact === artifact);
    if (!member) {
      member = { id: this.nextId++, artifact, versionIndex: collection.members.length, aliases: [], createdAt: nowNoZone() };
      collection.members.push(member);
      this.moveAlias(collection, member, 'latest');
    }
    for (const alias of aliases) this.moveAlias(collection, member, alias);
    collection.updatedAt = nowNoZone();
    return member;
  }

  moveAlias(collection: StoredCollection, member: StoredMembership, alias: string): void {
    for (const m of collection.members) m.aliases = m.aliases.filter((a) => a !== alias);
    member.aliases.push(alias);
  }

  /** Within an artifact's own sequence: the alias moves from its sibling versions. */
  moveSequenceAlias(artifact: StoredArtifact, alias: string): void {
    for (const a of this.sequenceVersions(artifact.project, artifact.sequence)) a.aliases = a.aliases.filter((x) => x !== alias);
    artifact.aliases.push(alias);
  }
}
