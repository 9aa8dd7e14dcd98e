import { historyRows, mapRun, type MlflowSourceRun } from '../../src/imports/mapping';
import type { ImportSource, SourceExperiment, SourcePoint, SourceRun } from '../../src/imports/source';

/** An MLflow-shaped source in memory: `runs` runs of one experiment, each with `points` history points. */
export function fakeSource(runs: number, points: number): ImportSource & { historyReads: number; all: MlflowSourceRun[]; extra: Map<string, SourcePoint[]> } {
  const all: MlflowSourceRun[] = Array.from({ length: runs }, (_, i) => ({
    runId: `r${String(i).padStart(4, '0')}`,
    key: `r${String(i).padStart(4, '0')}`,
    experimentId: '1',
    exitCode: 0,
    name: `run-${i}`,
    status: 'FINISHED',
    startTime: 1_000 + i,
    endTime: 2_000 + i,
    user: 'ada',
    params: { i: String(i) },
    tags: {},
    latestMetrics: { loss: { key: 'loss', value: points - 1, step: points - 1, timestamp: 5_000 + points } },
  }));
  const extra = new Map<string, SourcePoint[]>();
  const src = {
    historyReads: 0,
    all,
    /** Points added to a run after the fact (as if it logged more), by run id. */
    extra,
    experiments: (): Promise<SourceExperiment[]> => Promise.resolve([{ id: '1', name: 'exp' }]),
    async *runs(): AsyncIterable<SourceRun[]> {
      for (let i = 0; i < all.length; i += 7) yield all.slice(i, i + 7);
    },
    spec: (run: SourceRun, experimentName: string) => mapRun(run as MlflowSourceRun, experimentName),
    historyRows(run: SourceRun, check: () => void) {
      src.historyReads++;
      check();
      return Promise.resolve(historyRows([...Array.from({ length: points }, (_, s) => ({ key: 'loss', value: s, step: s, timestamp: 5_000 + s })), ...(extra.get(run.runId) ?? [])]));
    },
    files: () => Promise.resolve([]),
    openFile: () => Promise.reject(new Error('no files')),
  };
  return src;
}
