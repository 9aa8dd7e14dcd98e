import { badInput, notFound } from '../../errors';
import type { FilterNode } from '../../filters/ast';
import { toWandbFilter } from '../../filters/wandb';
import type { ImportHistoryRow, ImportRunSpec } from '../../imports/destination';
import type { ImportSource, SourceExperiment, SourceFile, SourceRun } from '../../imports/source';
import type { RunFileModel } from '../../models';
import type { FileDownload, RunRef } from '../source';
import { jsonObject, unwrapConfig, utc } from './to-model';
import type { WandbClient } from './wandb-client';
import type { Wandb } from './wandb-types';

/** Runs per listing request (the SDK's `api.runs` pages by 50; W&B serves more). */
const RUNS_PER_PAGE = 100;
/** Steps per history request: the SDK's scan_history page. */
const HISTORY_WINDOW = 1000;
/** W&B writes these itself from file_stream: the destination's own come from the copied history and summary. */
const STREAMED_FILES = new Set(['wandb-history.jsonl', 'wandb-summary.json', 'wandb-events.jsonl']);
const PROJECT_PATH = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/([^/\\#?%:]{1,128})$/;

/** A finished run's W&B state follows its exit code: crashed and killed runs end failed (exit 1), as MLflow's KILLED do. */
const STATES: Record<string, ImportRunSpec['state']> = { finished: 'finished', failed: 'failed', crashed: 'failed', killed: 'failed' };

interface WandbSourceRun extends SourceRun {
  entity: string;
  project: string;
  node: Wandb.Run;
}

/** What the reader needs of the W&B source besides its client: file listing and download. */
export interface WandbFiles {
  listFiles(run: RunRef, path: string, recursive: boolean): Promise<RunFileModel[]>;
  openFile(run: RunRef, path: string): Promise<FileDownload>;
}

/**
 * Reads W&B projects for an import into another W&B project or instance, with the SDK's own reads:
 * `api.runs` pages, `scan_history`'s HistoryPage windows, `run.files()`. "Experiments" here are
 * project paths (`entity/project`); a run keeps its id, group, job type, config, summary, tags,
 * notes, commit and every history row as W&B holds it. Nothing here writes.
 */
export class WandbImportReader implements ImportSource {
  constructor(
    private readonly client: WandbClient,
    private readonly files_: WandbFiles,
    private readonly source: string,
  ) {}

  /** Named projects only: a whole W&B instance is not a sensible unit to copy. */
  async experiments(ids: string[] | null): Promise<SourceExperiment[]> {
    if (!ids) throw badInput(`W&B source '${this.source}': name the projects to import in experiments, as entity/project.`, { source: this.source });
    return Promise.all(
      ids.map(async (id) => {
        const m = PROJECT_PATH.exec(id);
        if (!m) throw badInput(`'${id}' is not a W&B project path (entity/project).`, { source: this.source });
        const res = await this.client.project(m[1]!, m[2]!);
        if (!res.project) throw notFound(`W&B source '${this.source}' has no project '${id}'.`, { source: this.source, project: id });
        return { id, name: id };
      }),
    );
  }

  /** Oldest first, so runs created while the import reads land on later pages. */
  async *runs(experimentIds: string[], filter: FilterNode | null): AsyncIterable<SourceRun[]> {
    const filters = filter ? toWandbFilter(filter) : {};
    for (const id of experimentIds) {
      const [entity, project] = id.split('/') as [string, string];
      let cursor: string | null = null;
      do {
        const res: Wandb.Response.Runs = await this.client.runs({ entity, project, cursor, perPage: RUNS_PER_PAGE, order: '+created_at', filters }, true);
        const conn = res.project?.runs;
        if (!conn) throw notFound(`W&B source '${this.source}' has no project '${id}'.`, { source: this.source, project: id });
        const runs = conn.edges.map(({ node }): WandbSourceRun => ({ runId: node.name, key: `${id}/${node.name}`, experimentId: id, exitCode: exitCode(node.state), entity, project, node }));
        if (runs.length) yield runs;
        cursor = conn.pageInfo.hasNextPage ? (conn.pageInfo.endCursor ?? null) : null;
      } while (cursor);
    }
  }

  /** The run as the source holds it; its creation time and user go in the metadata, as W&B sets its own. */
  spec(run: SourceRun): ImportRunSpec {
    const r = (run as WandbSourceRun).node;
    const summary = jsonObject(r.summaryMetrics);
    delete summary._wandb;
    const created = utc(r.createdAt);
    const user = r.user?.username ?? r.user?.name ?? null;
    return {
      runId: r.name,
      displayName: r.displayName || r.name,
      state: STATES[r.state ?? ''] ?? 'running',
      startedAt: created?.getTime() ?? 0,
      endedAt: null,
      user,
      config: unwrapConfig(jsonObject(r.config)),
      summary,
      tags: r.tags ?? [],
      notes: r.notes || null,
      group: r.group || null,
      jobType: r.jobType || null,
      commit: r.commit || null,
      metadata: { ...(created ? { startedAt: created.toISOString() } : {}), ...(user ? { username: user } : {}) },
    };
  }

  /** Every row, in step windows as scan_history reads them (each window asks for all its steps, so none is sampled away). */
  async historyRows(run: SourceRun, check: () => void): Promise<ImportHistoryRow[]> {
    const { entity, project, node } = run as WandbSourceRun;
    const last = node.historyKeys?.lastStep ?? (node.historyLineCount ? null : -1);
    if (last === null) throw badInput(`W&B run ${entity}/${project}/${node.name} reports history rows but no last step.`, { source: this.source });
    const rows: ImportHistoryRow[] = [];
    for (let from = 0; from <= last; from += HISTORY_WINDOW) {
      check();
      const to = Math.min(from + HISTORY_WINDOW, last + 1);
      const res = await this.client.historyPage(entity, project, node.name, from, to);
      for (const line of res.project?.run?.history ?? []) rows.push(JSON.parse(line) as ImportHistoryRow);
    }
    return rows.sort((a, b) => a._step - b._step);
  }

  async files(run: SourceRun): Promise<SourceFile[]> {
    const { entity, project, runId } = run as WandbSourceRun;
    const files = await this.files_.listFiles({ projectId: `${entity}/${project}`, runId }, '', true);
    return files.filter((f) => !f.isDir && !STREAMED_FILES.has(f.path)).map((f) => ({ path: f.path, size: f.size ?? null }));
  }

  async openFile(run: SourceRun, path: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
    const { entity, project, runId } = run as WandbSourceRun;
    const file = await this.files_.openFile({ projectId: `${entity}/${project}`, runId }, path);
    return { body: file.body, size: file.contentLength };
  }
}

function exitCode(state: string | null | undefined): number | null {
  if (state === 'finished') return 0;
  if (state === 'failed' || state === 'crashed' || state === 'killed') return 1;
  return null;
}
