import { badInput, gatewayError, notFound } from '../../errors';
import { currentScope, requestScope } from '../../request-scope';
import type { RunChange } from '../run-change';
import type { MlflowClient } from './mlflow-client';

/** MLflow's log-batch limits per request. */
const METRICS_PER_BATCH = 1000;
const PARAMS_PER_BATCH = 100;
const TAGS_PER_BATCH = 100;
const NOTE_TAG = 'mlflow.note.content';

const chunk = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/**
 * MLflow semantics: config is params, which never change once logged; summary keys are metrics,
 * logged at a new step (renames and deletes are impossible); tags are tags. Everything MLflow
 * cannot do is refused before anything is written, so no change is ever half applied.
 */
export async function applyMlflowChange(client: MlflowClient, source: string, runId: string, change: RunChange): Promise<void> {
  const unsupported = (what: string) => gatewayError('UNSUPPORTED_BY_SOURCE', `MLflow source '${source}' cannot ${what}.`, { source });
  if (change.summary?.rename.length) throw unsupported('rename metrics (summary keys are metrics, which MLflow keeps forever)');
  if (change.summary?.delete.length) throw unsupported('delete metrics (summary keys are metrics, which MLflow keeps forever)');
  if (change.config?.delete.length) throw unsupported('delete params (config keys are params, which MLflow never changes once logged)');
  if (change.meta?.group !== undefined) throw unsupported('set a run group');
  if (change.meta?.jobType !== undefined) throw unsupported('set a job type');
  for (const [k, v] of Object.entries(change.summary?.set ?? {})) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`MLflow summary keys are metrics: ${JSON.stringify(k)} must be a finite number.`, { source, argument: 'set' });
  }

  // A fresh read: the params already logged, the latest step, the tags.
  const res = await requestScope.run({ ...currentScope(), fresh: true }, () => client.getRun(runId)).catch(() => null);
  const run = res?.run;
  if (!run) throw notFound('The run does not exist.', { source });
  const params = new Map((run.data?.params ?? []).map((p) => [p.key, p.value]));
  const newParams: Array<{ key: string; value: string }> = [];
  for (const [k, v] of Object.entries(change.config?.set ?? {})) {
    const value = typeof v === 'string' ? v : JSON.stringify(v);
    const logged = params.get(k);
    if (logged === undefined) newParams.push({ key: k, value });
    else if (logged !== value) throw unsupported(`change param ${JSON.stringify(k)} from ${JSON.stringify(logged)} (params never change once logged)`);
  }
  const step = Math.max(-1, ...(run.data?.metrics ?? []).map((m) => Number(m.step ?? 0))) + 1;
  const now = Date.now();
  const metrics = Object.entries(change.summary?.set ?? {}).map(([key, value]) => ({ key, value: value as number, timestamp: now, step }));

  const tags: Array<{ key: string; value: string }> = [];
  const dropTags: string[] = [];
  const meta = change.meta;
  if (meta?.notes !== undefined) tags.push({ key: NOTE_TAG, value: meta.notes });
  if (meta?.tags) {
    const userTags = (run.data?.tags ?? []).filter((t) => !t.key.startsWith('mlflow.')).map((t) => t.key);
    const keep = new Set(meta.tags.replace ?? userTags);
    for (const t of meta.tags.remove) keep.delete(t);
    for (const t of meta.tags.add) keep.add(t);
    for (const t of keep) if (!userTags.includes(t)) tags.push({ key: t, value: '' });
    for (const t of userTags) if (!keep.has(t)) dropTags.push(t);
  }

  for (const part of chunk(metrics, METRICS_PER_BATCH)) await client.logBatch(runId, { metrics: part });
  for (const part of chunk(newParams, PARAMS_PER_BATCH)) await client.logBatch(runId, { params: part });
  for (const part of chunk(tags, TAGS_PER_BATCH)) await client.logBatch(runId, { tags: part });
  for (const key of dropTags) await client.deleteTag(runId, key);
  if (meta?.name !== undefined) await client.updateRunName(runId, meta.name);
}
