import type { SeedRegistries } from './registry-state';

/** The registries, collections and versions the SDK suite and gateway tests assert against. */
export const registrySeed = (): SeedRegistries => ({});
