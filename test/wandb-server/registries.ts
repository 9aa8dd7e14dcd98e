import type { TypeFields } from './root';

/** Root fields for organizations, registries, collections, versions and linkArtifact. */
export const registriesRoot = {};

/** Fields the registry domain adds to other domains' types. */
export const registryFields: TypeFields = {};
