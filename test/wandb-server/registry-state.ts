import type { Store } from './store';

/** Seed shape for registries, collections, versions and the artifacts behind them. */
export type SeedRegistries = Record<string, never>;

/** Registries (projects `wandb-registry-<name>` of the org entity), collections, versions, artifacts. */
export class RegistryState {
  constructor(readonly store: Store, _seed: SeedRegistries | undefined) {}
}
