import { gatewayError, notFound } from '../../errors';
import { readFresh } from '../../request-scope';
import type { RunChange } from '../run-change';
import type { RunLocks } from '../../writes/run-lock';
import type { WandbClient } from './wandb-client';
import type { Wandb } from './wandb-types';

type Json = Record<string, unknown>;

const parse = (s: string | null | undefined): Json => {
  try {
    const v = s ? (JSON.parse(s) as unknown) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
  } catch {
    return {};
  }
};


/**
 * W&B's upsertBucket replaces the whole summary and config, so a change is applied to the run as
 * W&B holds it now, under a per-run lock (see RunLocks), and sent whole: concurrent updates of
 * different keys through the gateway never erase each other.
 */
export async function applyWandbChange(client: WandbClient, locks: RunLocks, source: string, ref: { entity: string; project: string; runId: string }, change: RunChange): Promise<void> {
  await locks.with(`${source}/${ref.entity}/${ref.project}/${ref.runId}`, async () => {
    // A read-modify-write must start from W&B's current state, not a cached one.
    const res = await readFresh(() => client.runs({ entity: ref.entity, project: ref.project, cursor: null, perPage: 1, order: null, filters: { name: ref.runId } }, false));
    const run: Wandb.Run | undefined = res.project?.runs?.edges[0]?.node;
    if (!run || run.name !== ref.runId) throw notFound('The run does not exist.', { source });
    const vars: Parameters<WandbClient['upsertBucket']>[0] = { id: run.id };
    if (change.summary) {
      const summary = parse(run.summaryMetrics);
      for (const { from, to } of change.summary.rename) {
        if (!(from in summary)) throw gatewayError('BAD_USER_INPUT', `The run's summary has no key ${JSON.stringify(from)} to rename.`, { source, argument: 'rename' });
        if (to in summary) throw gatewayError('BAD_USER_INPUT', `The run's summary already has a key ${JSON.stringify(to)}.`, { source, argument: 'rename' });
        summary[to] = summary[from];
        delete summary[from];
      }
      for (const k of change.summary.delete) delete summary[k];
      Object.assign(summary, change.summary.set);
      vars.summaryMetrics = JSON.stringify(summary);
    }
    if (change.config) {
      // W&B stores each config value wrapped as {value, desc}; the SDK sends it back the same way.
      const config = parse(run.config);
      for (const k of change.config.delete) delete config[k];
      for (const [k, v] of Object.entries(change.config.set)) config[k] = { value: v, desc: null };
      vars.config = JSON.stringify(config);
    }
    const meta = change.meta;
    if (meta) {
      if (meta.name !== undefined) vars.displayName = meta.name;
      if (meta.notes !== undefined) vars.notes = meta.notes;
      if (meta.group !== undefined) vars.groupName = meta.group;
      if (meta.jobType !== undefined) vars.jobType = meta.jobType;
      if (meta.tags) {
        const tags = meta.tags.replace ?? (run.tags ?? []);
        vars.tags = [...new Set([...tags.filter((t) => !meta.tags?.remove.includes(t)), ...meta.tags.add])];
      }
    }
    await client.upsertBucket(vars);
  });
}
