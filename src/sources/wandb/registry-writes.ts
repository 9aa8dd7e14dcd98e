import { badInput, gatewayError, notFound } from '../../errors';
import { readFresh } from '../../request-scope';
import type { ArtifactRef, LinkRequest, ModelVersionRef } from '../source';
import { PREFIX, splitModelName, type Org, type WandbRegistries } from './registry';
import type { RegistryWire } from './registry-queries';
import type { WandbClient } from './wandb-client';

type Membership = NonNullable<NonNullable<RegistryWire.MembershipByName['project']>['artifactCollectionMembership']>;

/**
 * Writes to W&B registries with the SDK's own operations: LinkArtifact (`Artifact.link`) and
 * AddAliases/DeleteAliases (`Artifact.save` of a linked version). Everything a write depends on is
 * read fresh from W&B and checked first, so a refused request writes nothing.
 */
export class WandbRegistryWrites {
  constructor(
    private readonly client: WandbClient,
    private readonly registries: WandbRegistries,
    private readonly source: string,
  ) {}

  private async membership(entity: string, project: string, name: string, what: string): Promise<Membership & { artifact: NonNullable<Membership['artifact']> }> {
    const res = await readFresh(() => this.client.artifactMembership(entity, project, name));
    if (!res.project) throw notFound(`W&B source '${this.source}' has no project ${entity}/${project} for ${what}.`, { source: this.source });
    const m = res.project.artifactCollectionMembership;
    if (!m?.artifact) throw notFound(`W&B source '${this.source}' has no ${what} ${entity}/${project}/${name}.`, { source: this.source });
    return { ...m, artifact: m.artifact };
  }

  private artifact(org: Org, ref: ArtifactRef) {
    if ('path' in ref) return this.membership(ref.path.entity, ref.path.project, ref.path.name, 'artifact version');
    const { registry, collection } = splitModelName(ref.modelVersion.model);
    if (!/^\d{1,9}$/.test(ref.modelVersion.version)) throw notFound('The model version does not exist.', { source: this.source });
    return this.membership(org.orgEntity, `${PREFIX}${registry}`, `${collection}:v${ref.modelVersion.version}`, 'model version');
  }

  /** The target collection must exist (unless asked to create it) and take the artifact's type. */
  private async checkTarget(org: Org, req: LinkRequest, type: string): Promise<void> {
    const found = await readFresh(() =>
      this.client.registryCollections({ organization: org.organization, registryFilter: { name: `${PREFIX}${req.registry}` }, collectionFilter: { name: req.collection }, cursor: null, perPage: 1 }),
    );
    const collection = found.organization?.orgEntity?.artifactCollections?.edges[0]?.node;
    if (collection) {
      if (collection.type && collection.type.name !== type) {
        throw badInput(`Collection ${req.registry}/${req.collection} holds \`${collection.type.name}\` artifacts; this artifact is a \`${type}\`.`, { source: this.source, argument: 'collection' });
      }
      return;
    }
    const registries = await readFresh(() => this.client.registries(org.organization, { name: `${PREFIX}${req.registry}` }, null, 1));
    if (!registries.organization?.orgEntity?.projects?.edges.length) throw notFound(`W&B source '${this.source}' has no registry ${JSON.stringify(req.registry)}.`, { source: this.source, argument: 'registry' });
    if (!req.createCollection) {
      throw notFound(`Registry ${req.registry} has no collection ${JSON.stringify(req.collection)}; pass \`createCollection: true\` to create it.`, { source: this.source, argument: 'collection' });
    }
  }

  async link(req: LinkRequest): Promise<ModelVersionRef> {
    const org = await this.registries.organization();
    const source = await this.artifact(org, req.artifact);
    await this.checkTarget(org, req, source.artifact.artifactType.name);
    const res = await this.client.linkArtifact({
      artifactID: source.artifact.id,
      artifactPortfolioName: req.collection,
      entityName: org.orgEntity,
      projectName: `${PREFIX}${req.registry}`,
      aliases: req.aliases.map((alias) => ({ artifactCollectionName: req.collection, alias })),
    });
    const index = res.result?.versionIndex;
    if (index == null) throw gatewayError('UPSTREAM_ERROR', `W&B source '${this.source}' linked the artifact but did not say which version it became.`, { source: this.source });
    return { model: `${req.registry}/${req.collection}`, version: String(index) };
  }

  /**
   * Only what changes is sent: an alias the version already holds is not added again, and one it
   * does not hold is not deleted (it may have moved to another version since the caller looked).
   */
  async setAliases(ref: ModelVersionRef, change: { add: string[]; remove: string[] }): Promise<void> {
    const org = await this.registries.organization();
    const m = await this.artifact(org, { modelVersion: ref });
    const { registry, collection } = splitModelName(ref.model);
    const held = new Set(m.aliases.map((a) => a.alias));
    const target = (alias: string): RegistryWire.CollectionAlias => ({ alias, entityName: org.orgEntity, projectName: `${PREFIX}${registry}`, artifactCollectionName: collection });
    const remove = change.remove.filter((a) => held.has(a));
    const add = change.add.filter((a) => !held.has(a));
    if (remove.length) await this.client.deleteAliases(m.artifact.id, remove.map(target));
    if (add.length) await this.client.addAliases(m.artifact.id, add.map(target));
  }
}
