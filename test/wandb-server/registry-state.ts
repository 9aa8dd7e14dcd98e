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
    const a = { id: this.nextId++, project, sequence, sequenceIndex, type, description: v.description, metadata: v.metadata, tags: [...v.tags], createdAt: v.createdAt, updatedAt: v.createdAt };
    this.artifacts.push(a);
    return a;
  }

  isRegistry = (p: StoredProject): boolean => p.entity === this.orgEntity && p.name.startsWith(REGISTRY_PREFIX);

  registries(): StoredProject[] {
    return this.store.projects.filter(this.isRegistry);
  }

  /**
   * Links an artifact into a collection (created if new): the membership takes the next version
   * index, and an alias moves here from any other version of the collection.
   */
  link(artifact: StoredArtifact, registry: StoredProject, collectionName: string, aliases: string[]): StoredMembership {
    const collection = this.collections.find((c) => c.registry === registry && c.name === collectionName) ?? this.addCollection(registry, collectionName, artifact.type, '', []);
    let member = collection.members.find((m) => m.artifact === artifact);
    if (!member) {
      member = { id: this.nextId++, artifact, versionIndex: collection.members.length, aliases: [], createdAt: nowNoZone() };
      collection.members.push(member);
    }
    for (const alias of aliases) {
      for (const m of collection.members) m.aliases = m.aliases.filter((a) => a !== alias);
      member.aliases.push(alias);
    }
    collection.updatedAt = nowNoZone();
    return member;
  }
}
