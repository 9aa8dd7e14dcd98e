import { badInput } from '../errors';
import { filterArgument } from '../filters/parse';
import type { SourceRegistry } from '../sources';
import type { ImportDestination } from './destination';
import type { ImportSpec } from './job-model';
import { badProjectName } from './mapping';
import type { ImportSource } from './source';

/** What `startImport` takes, before validation (the GraphQL input, source-neutral). */
export interface ImportRequest {
  source: string;
  experiments?: readonly string[] | null;
  filter?: unknown;
  destination: { source: string; entity: string; project: string; remap?: ReadonlyArray<{ experiment: string; project: string }> | null };
  options?: { includeArtifacts?: boolean | null; incremental?: boolean | null; parallelism?: number | null } | null;
}

export const PARALLELISM = { min: 1, max: 16, fallback: 4 } as const;
/** W&B entity names: letters, digits, `-` and `_`. */
const ENTITY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MAX_EXPERIMENTS = 10_000;

export interface ImportEnds {
  spec: ImportSpec;
  source: ImportSource;
  destination: ImportDestination;
}

/**
 * Checks the whole request before anything is stored or written: sources, names, filter, options,
 * remapping, and that chosen or remapped experiments exist (reads only). Every fault is
 * BAD_USER_INPUT, or NOT_FOUND for a source or experiment that does not exist.
 */
export async function validateImport(
  req: ImportRequest,
  sources: SourceRegistry,
  ends: { source: (name: string) => ImportSource | null; destination: (name: string) => ImportDestination | null },
): Promise<ImportEnds> {
  const from = sources.get(req.source);
  const source = ends.source(req.source);
  if (!source || (from.info.kind !== 'MLFLOW' && from.info.kind !== 'WANDB')) {
    throw badInput(`Source '${req.source}' is neither an MLflow nor a W&B source; imports read from those.`, { source: req.source });
  }
  const to = sources.get(req.destination.source);
  const destination = to.info.kind === 'WANDB' ? ends.destination(req.destination.source) : null;
  if (!destination) throw badInput(`Source '${req.destination.source}' is not a W&B source; imports write to W&B.`, { source: req.destination.source });

  const { entity, project } = req.destination;
  if (!ENTITY.test(entity)) throw badInput(`Destination entity '${entity}' is not a W&B entity name (letters, digits, - and _, at most 64).`);
  const projectFault = badProjectName(project);
  if (projectFault) throw badInput(`Destination project '${project}' ${projectFault}.`);

  const options = req.options ?? {};
  const parallelism = options.parallelism ?? PARALLELISM.fallback;
  if (!Number.isInteger(parallelism) || parallelism < PARALLELISM.min || parallelism > PARALLELISM.max) {
    throw badInput(`parallelism must be a whole number from ${PARALLELISM.min} to ${PARALLELISM.max}, got ${parallelism}.`);
  }
  const filter = req.filter ?? null;
  filterArgument(filter);

  let experimentIds: string[] | null = null;
  if (req.experiments) {
    if (req.experiments.length === 0) throw badInput('experiments is empty: leave it out to import every experiment, or name at least one.');
    if (req.experiments.length > MAX_EXPERIMENTS) throw badInput(`At most ${MAX_EXPERIMENTS} experiments can be named; leave experiments out to import all.`);
    experimentIds = [...new Set(req.experiments)];
  }

  const remap = (req.destination.remap ?? []).map((r) => ({ experiment: r.experiment, project: r.project }));
  const seen = new Set<string>();
  for (const r of remap) {
    if (seen.has(r.experiment)) throw badInput(`remap names experiment '${r.experiment}' twice; give each experiment one project.`);
    seen.add(r.experiment);
    const fault = badProjectName(r.project);
    if (fault) throw badInput(`remap: project '${r.project}' for experiment '${r.experiment}' ${fault}.`);
  }
  if (req.source === req.destination.source && experimentIds) {
    // W&B experiments are project paths: one of them must not be copied onto itself.
    const onto = experimentIds.find((id) => id === `${entity}/${remap.find((r) => r.experiment === id)?.project ?? project}`);
    if (onto) throw badInput(`This would import project '${onto}' into itself; choose another destination project or remap it.`);
  }
  // Reads only: unknown chosen experiments are NOT_FOUND (a W&B source must name its projects), and a remap must name an imported one.
  if (experimentIds || remap.length || from.info.kind === 'WANDB') {
    const experiments = await source.experiments(experimentIds);
    const names = new Set(experiments.map((e) => e.name));
    const stray = remap.find((r) => !names.has(r.experiment));
    if (stray) throw badInput(`remap names experiment '${stray.experiment}', which is not among the experiments this import reads; remap takes experiment names.`);
  }
  return {
    source,
    destination,
    spec: {
      source: { name: req.source, experimentIds, filter },
      destination: { name: req.destination.source, entity, project, remap },
      options: { includeArtifacts: options.includeArtifacts ?? false, incremental: options.incremental ?? true, parallelism },
    },
  };
}
