import { stringify } from 'yaml';
import { matchesWith, valueAt } from './filters';
import type { StoredProject, StoredSweep } from './store';
import type { TypeFields } from './root';
import { connection, parseFilters, type ProjectView } from './views';

/** Sweep fields the `sweeps(filters)` argument can name. */
const sweepValue = (s: StoredSweep, path: string): unknown =>
  (({ name: s.name, displayName: s.displayName, display_name: s.displayName, state: s.state, method: s.method, createdAt: s.createdAt, created_at: s.createdAt }) as Record<string, unknown>)[path];

const sweepRuns = (p: StoredProject, s: StoredSweep) => p.runs.filter((r) => r.sweepName === s.name);

/** The best value of the sweep's metric over its runs, in the direction of its goal. */
function bestLoss(p: StoredProject, s: StoredSweep): number | null {
  const metric = s.config.metric as { name?: string; goal?: string } | undefined;
  if (!metric?.name) return null;
  const values = sweepRuns(p, s)
    .map((r) => valueAt(r, `summary_metrics.${metric.name}`))
    .filter((v): v is number => typeof v === 'number');
  if (!values.length) return null;
  return metric.goal === 'maximize' ? Math.max(...values) : Math.min(...values);
}

function sweepView(p: StoredProject, s: StoredSweep) {
  return {
    __typename: 'Sweep',
    id: Buffer.from(`Sweep:${p.id}:${s.name}`).toString('base64'),
    name: s.name,
    displayName: s.displayName,
    method: s.method,
    state: s.state,
    description: s.description,
    bestLoss: () => bestLoss(p, s),
    config: () => stringify(s.config),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    runCount: () => sweepRuns(p, s).length,
    runCountExpected: s.runCountExpected,
  };
}

export const sweepsRoot = {};

export const sweepFields: TypeFields = {
  Project: {
    sweep: (view: ProjectView, args: { sweepName: string }) => {
      const s = view.p.sweeps.find((x) => x.name === args.sweepName);
      return s ? sweepView(view.p, s) : null;
    },
    sweeps: (view: ProjectView, args: { filters?: string | null; after?: string | null; first?: number | null }) => {
      const f = parseFilters(args.filters);
      const sweeps = view.p.sweeps.filter((s) => matchesWith(s, f, sweepValue));
      return connection(sweeps, args.after, args.first, (s) => sweepView(view.p, s));
    },
    totalSweeps: (view: ProjectView) => view.p.sweeps.length,
  },
};
