import { GatewayError, notFound } from '../../errors';
import type { FilterNode } from '../../filters/ast';
import { matches } from '../../filters/evaluate';
import { compileMlflow } from '../../filters/mlflow';
import type { ImportHistoryRow, ImportRunSpec } from '../../imports/destination';
import { exitCode, historyRows, mapRun, MappingError, WANDB_RUN_FILES, type MlflowSourceRun } from '../../imports/mapping';
import type { ImportSource, SourceExperiment, SourceFile, SourcePoint, SourceRun } from '../../imports/source';
import { MLFLOW_LIMITS, type MlflowClient } from './mlflow-client';
import type { Mlflow } from './mlflow-types';
import { toRun } from './to-model';

const EXPERIMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** MLflow's experiments/search accepts up to 50000 but servers only guarantee 1000. */
const EXPERIMENTS_PER_PAGE = 1000;
/** runs/search takes at most 100 experiment ids per request in practice (long IN lists are slow). */
const EXPERIMENTS_PER_SEARCH = 100;

export interface ImportReaderOptions {
  /** Runs per runs/search page, 1..50000. */
  runsPerPage: number;
  /** Points per metrics/get-history page, 1..25000. */
  pointsPerPage: number;
}

const numeric = (v: number | string): number | string => (typeof v === 'number' ? v : v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? v : Number(v));

/** Reads an MLflow tracking server for an import, following every page token to the end. */
export class MlflowImportReader implements ImportSource {
  constructor(
    private readonly client: MlflowClient,
    private readonly source: string,
    private readonly base: string,
    private readonly opts: ImportReaderOptions = { runsPerPage: 10_000, pointsPerPage: MLFLOW_LIMITS.pointsPerHistoryPage },
  ) {
    if (opts.runsPerPage < 1 || opts.runsPerPage > MLFLOW_LIMITS.runsPerSearch) throw new RangeError('runsPerPage must be 1..50000');
    if (opts.pointsPerPage < 1 || opts.pointsPerPage > MLFLOW_LIMITS.pointsPerHistoryPage) throw new RangeError('pointsPerPage must be 1..25000');
  }

  async experiments(ids: string[] | null): Promise<SourceExperiment[]> {
    if (ids) {
      return Promise.all(
        ids.map(async (id) => {
          const missing = notFound(`MLflow source '${this.source}' has no active experiment with id '${id}'.`, { source: this.source, experimentId: id });
          if (!EXPERIMENT_ID.test(id)) throw missing;
          let res: Mlflow.Response.ExperimentsGet;
          try {
            res = await this.client.getExperiment(id);
          } catch (e) {
            if (e instanceof GatewayError && (e.code === 'NOT_FOUND' || e.code === 'BAD_USER_INPUT')) throw missing;
            throw e;
          }
          if (res.experiment.lifecycle_stage === 'deleted') throw missing;
          return { id: res.experiment.experiment_id, name: res.experiment.name };
        }),
      );
    }
    const out: SourceExperiment[] = [];
    let token: string | null = null;
    do {
      const res: Mlflow.Response.ExperimentsSearch = await this.client.scanExperiments(token, EXPERIMENTS_PER_PAGE);
      for (const e of res.experiments ?? []) out.push({ id: e.experiment_id, name: e.name });
      token = res.next_page_token || null;
    } while (token);
    return out;
  }

  /**
   * Oldest first, so runs created while the import reads land on later pages instead of shifting
   * the offsets MLflow's page tokens hold. The part of the filter MLflow cannot express is applied
   * here, to the same run models the runs API serves.
   */
  async *runs(experimentIds: string[], filter: FilterNode | null): AsyncIterable<SourceRun[]> {
    const { pushdown, residual } = compileMlflow(filter);
    for (let i = 0; i < experimentIds.length; i += EXPERIMENTS_PER_SEARCH) {
      const ids = experimentIds.slice(i, i + EXPERIMENTS_PER_SEARCH);
      let token: string | null = null;
      do {
        const res: Mlflow.Response.RunsSearch = await this.client.scanRuns({ experimentIds: ids, filter: pushdown, pageToken: token, maxResults: this.opts.runsPerPage });
        const runs = (res.runs ?? []).filter((r) => !residual || matches(toRun(this.source, this.base, r), residual));
        if (runs.length) yield runs.map(toSourceRun);
        token = res.next_page_token || null;
      } while (token);
    }
  }

  spec(run: SourceRun, experimentName: string): ImportRunSpec {
    return mapRun(run as MlflowSourceRun, experimentName);
  }

  /** Every point of every metric the run has (each metric's pages in turn), as W&B history rows. */
  async historyRows(run: SourceRun, check: () => void): Promise<ImportHistoryRow[]> {
    const points: SourcePoint[] = [];
    for (const key of Object.keys((run as MlflowSourceRun).latestMetrics).sort()) {
      for await (const page of this.history(run.runId, key)) {
        check();
        for (const p of page) points.push(p);
      }
    }
    return historyRows(points);
  }

  async *history(runId: string, key: string): AsyncIterable<SourcePoint[]> {
    let token: string | null = null;
    do {
      const res: Mlflow.Response.MetricsGetHistory = await this.client.getMetricHistory({ runId, key, pageToken: token, maxResults: this.opts.pointsPerPage });
      const points = (res.metrics ?? []).map((m) => ({ key: m.key, value: numeric(m.value), step: m.step ?? 0, timestamp: m.timestamp }));
      if (points.length) yield points;
      token = res.next_page_token || null;
    } while (token);
  }

  async files(run: SourceRun): Promise<SourceFile[]> {
    const files = await this.tree(run.runId, '');
    const clash = files.find((f) => WANDB_RUN_FILES.has(f.path));
    if (clash) throw new MappingError(`artifact '${clash.path}' has the name of a file W&B keeps for every run; it would overwrite it.`);
    return files;
  }

  private async tree(runId: string, path: string): Promise<SourceFile[]> {
    const res = await this.client.listArtifacts(runId, path);
    const nested = await Promise.all(
      (res.files ?? []).map((f) => (f.is_dir ? this.tree(runId, f.path) : Promise.resolve([{ path: f.path, size: f.file_size ?? null }]))),
    );
    return nested.flat();
  }

  async openFile(run: SourceRun, path: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
    const res = await this.client.downloadArtifact(run.runId, path);
    const length = res.headers.get('content-length');
    return { body: res.body ?? new Blob([]).stream(), size: length === null ? null : Number(length) };
  }
}

function toSourceRun(r: Mlflow.Run): MlflowSourceRun {
  const tags = Object.fromEntries((r.data?.tags ?? []).map((t) => [t.key, t.value]));
  const status = r.info.status ?? 'FINISHED';
  return {
    runId: r.info.run_id,
    key: r.info.run_id,
    experimentId: r.info.experiment_id,
    exitCode: exitCode(status),
    name: r.info.run_name ?? tags['mlflow.runName'] ?? r.info.run_id,
    status,
    startTime: r.info.start_time ?? 0,
    endTime: r.info.end_time ?? null,
    user: r.info.user_id || tags['mlflow.user'] || null,
    params: Object.fromEntries((r.data?.params ?? []).map((p) => [p.key, p.value])),
    tags,
    latestMetrics: Object.fromEntries(
      (r.data?.metrics ?? []).map((m) => [m.key, { key: m.key, value: numeric(m.value), step: m.step ?? 0, timestamp: m.timestamp }]),
    ),
  };
}
