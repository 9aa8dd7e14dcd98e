/**
 * The SDK's registry operations (wandb/sdk/artifacts/_generated/operations.py), in "basic" search
 * mode: registries are projects `wandb-registry-<name>` of the organization's entity.
 */

export const FETCH_ORG_INFO = `query FetchOrgInfoFromEntity($entity: String!) {
  entity(name: $entity) {
    organization { ...OrgInfoFragment }
    user { organizations { ...OrgInfoFragment } }
  }
}
fragment OrgInfoFragment on Organization { name orgEntity { name } }`;

const PAGE_INFO = `fragment PageInfoFragment on PageInfo { __typename endCursor hasNextPage }`;
const PROJECT_INFO = `fragment ProjectInfoFragment on Project { id internalId name entity { name } }`;
const TAG = `fragment TagFragment on Tag { __typename id name }`;

export const FETCH_REGISTRIES = `query FetchRegistries($organization: String!, $filters: JSONString, $cursor: String, $perPage: Int, $order: String) {
  organization(name: $organization) {
    orgEntity {
      projects(filters: $filters, after: $cursor, first: $perPage, order: $order) {
        pageInfo { ...PageInfoFragment }
        edges { node { ...RegistryFragment } }
      }
    }
  }
}
${PAGE_INFO}
fragment RegistryFragment on Project {
  __typename id internalId name entity { name organization { name } } description createdAt updatedAt access
  allowAllArtifactTypes: allowAllArtifactTypesInRegistry
  artifactTypes(includeAll: true) { edges { node { name } } }
}`;

export const REGISTRY_COLLECTIONS = `query RegistryCollections($organization: String!, $registryFilter: JSONString, $collectionFilter: JSONString, $collectionTypes: [ArtifactCollectionType!] = [PORTFOLIO], $cursor: String, $perPage: Int, $order: String) {
  organization(name: $organization) {
    orgEntity {
      name
      artifactCollections(projectFilters: $registryFilter, filters: $collectionFilter, collectionTypes: $collectionTypes, after: $cursor, first: $perPage, order: $order) {
        totalCount
        pageInfo { ...PageInfoFragment }
        edges { node { __typename ...RegistryCollectionFragment } }
      }
    }
  }
}
${PAGE_INFO}
${PROJECT_INFO}
fragment RegistryCollectionFragment on ArtifactCollection {
  __typename id name description createdAt updatedAt project { ...ProjectInfoFragment } type: defaultArtifactType { name }
  tags { edges { node { ...TagFragment } } }
}
${TAG}`;

export const REGISTRY_VERSIONS = `query RegistryVersions($organization: String!, $registryFilter: JSONString, $collectionFilter: JSONString, $artifactFilter: JSONString, $cursor: String, $perPage: Int, $order: String, $includeAliases: Boolean = false) {
  organization(name: $organization) {
    orgEntity {
      name
      artifactMemberships(projectFilters: $registryFilter, collectionFilters: $collectionFilter, filters: $artifactFilter, after: $cursor, first: $perPage, order: $order) {
        pageInfo { ...PageInfoFragment }
        edges { node { ...ArtifactMembershipFragment } }
      }
    }
  }
}
fragment ArtifactAliasFragment on ArtifactAlias { __typename id alias }
fragment ArtifactFragment on Artifact {
  __typename id artifactSequence { ...SourceCollectionInfoFragment } versionIndex artifactType { name } description metadata
  ttlDurationSeconds ttlIsInherited tags { ...TagFragment } historyStep state size digest digestAlgorithm @include(if: true)
  commitHash fileCount createdAt updatedAt
  aliases @include(if: $includeAliases) { artifactCollection { ...CollectionInfoFragment } ...ArtifactAliasFragment }
}
fragment ArtifactMembershipFragment on ArtifactCollectionMembership {
  __typename id versionIndex createdAt aliases { ...ArtifactAliasFragment } artifactCollection { ...CollectionInfoFragment } artifact { ...ArtifactFragment }
}
fragment CollectionInfoFragment on ArtifactCollection { __typename name project { ...ProjectInfoFragment } }
${PAGE_INFO}
${PROJECT_INFO}
fragment SourceCollectionInfoFragment on ArtifactSequence { __typename name project { ...ProjectInfoFragment } }
${TAG}`;

/** The SDK's read of one version by `<collection>:<version or alias>`, trimmed to what a write needs. */
export const ARTIFACT_MEMBERSHIP_BY_NAME = `query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifactCollectionMembership(name: $name) {
      __typename id versionIndex aliases { __typename id alias }
      artifactCollection { __typename name }
      artifact { __typename id versionIndex artifactType { name } }
    }
  }
}`;

/**
 * The SDK's LinkArtifact as it sends it to servers without ARTIFACT_MEMBERSHIP_IN_LINK_ARTIFACT_RESPONSE:
 * the gateway reads the linked version back itself, so it needs only the version number.
 */
export const LINK_ARTIFACT = `mutation LinkArtifact($input: LinkArtifactInput!) {
  result: linkArtifact(input: $input) { versionIndex }
}`;

export const ADD_ALIASES = `mutation AddAliases($input: AddAliasesInput!) {
  result: addAliases(input: $input) { success }
}`;

export const DELETE_ALIASES = `mutation DeleteAliases($input: DeleteAliasesInput!) {
  result: deleteAliases(input: $input) { success }
}`;

type Edges<T> = { pageInfo: { endCursor: string | null; hasNextPage: boolean }; edges: Array<{ node: T }> };

export namespace RegistryWire {
  export interface OrgInfo {
    entity: { organization: { name: string; orgEntity: { name: string } | null } | null; user: { organizations: Array<{ name: string; orgEntity: { name: string } | null }> } | null } | null;
  }
  export interface Registry {
    name: string;
    description: string | null;
    createdAt: string;
    updatedAt: string | null;
    entity: { name: string; organization: { name: string } | null };
  }
  export interface Registries {
    organization: { orgEntity: { projects: Edges<Registry> | null } | null } | null;
  }
  export interface Collection {
    id: string;
    name: string;
    description: string | null;
    createdAt: string;
    updatedAt: string | null;
    project: { name: string; entity: { name: string } } | null;
    type: { name: string } | null;
    tags: { edges: Array<{ node: { name: string } }> };
  }
  export interface Collections {
    organization: { orgEntity: { name: string; artifactCollections: (Edges<Collection> & { totalCount: number }) | null } | null } | null;
  }
  export interface Membership {
    id: string;
    versionIndex: number | null;
    createdAt: string;
    aliases: Array<{ alias: string }>;
    artifactCollection: { name: string; project: { name: string; entity: { name: string } } | null } | null;
    artifact: {
      description: string | null;
      metadata: string | null;
      tags: Array<{ name: string }>;
      state: string;
      createdAt: string;
      updatedAt: string | null;
      versionIndex: number | null;
      artifactSequence: { name: string; project: { name: string; entity: { name: string } } | null };
      artifactType: { name: string };
    } | null;
  }
  export interface MembershipByName {
    project: {
      artifactCollectionMembership: {
        versionIndex: number | null;
        aliases: Array<{ alias: string }>;
        artifactCollection: { name: string } | null;
        artifact: { id: string; versionIndex: number | null; artifactType: { name: string } } | null;
      } | null;
    } | null;
  }
  export interface Link {
    result: { versionIndex: number | null } | null;
  }
  /** `entityName`/`projectName`/`artifactCollectionName` name the collection the alias lives in. */
  export interface CollectionAlias {
    alias: string;
    entityName: string;
    projectName: string;
    artifactCollectionName: string;
  }
  export interface Versions {
    organization: { orgEntity: { name: string; artifactMemberships: Edges<Membership> | null } | null } | null;
  }
}
