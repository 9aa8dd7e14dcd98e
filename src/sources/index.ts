import type { Config } from '../config';
import { notFound } from '../errors';
import type { SourceModel } from '../models';
import { MlflowSource } from './mlflow/mlflow-source';
import { WandbSource } from './wandb/wandb-source';
import type { SourceConnector } from './source';
import type { SourceDeps } from './upstream';

/** The configured sources by name, built once at start and shared by all requests. */
export class SourceRegistry {
  private readonly byName: Map<string, SourceConnector>;

  constructor(connectors: SourceConnector[]) {
    this.byName = new Map(connectors.map((c) => [c.info.name, c]));
  }

  get(name: string): SourceConnector {
    const source = this.byName.get(name);
    if (!source) throw notFound(`No source named '${name}' is configured.`, { source: name });
    return source;
  }

  /** All sources, or the one named; an unknown name is NOT_FOUND. */
  select(name?: string | null): SourceConnector[] {
    return name ? [this.get(name)] : [...this.byName.values()];
  }

  list(): SourceModel[] {
    return [...this.byName.values()].map((s) => s.info);
  }
}

export function createSources(config: Config, deps: SourceDeps): SourceRegistry {
  return new SourceRegistry(config.sources.map((s) => (s.kind === 'mlflow' ? new MlflowSource(s, deps) : new WandbSource(s, deps))));
}
