import type { MlflowSourceConfig } from '../../src/config';
import { GatewayError } from '../../src/errors';
import { parseFilter } from '../../src/filters/parse';
import { MlflowImportReader } from '../../src/sources/mlflow/import-reader';
import { MlflowClient } from '../../src/sources/mlflow/mlflow-client';
import { CallLog } from '../../src/sources/upstream';
import { FakeFetch } from '../helpers/fake-fetch';

const config: MlflowSourceConfig = { kind: 'mlflow', name: 'prod', url: 'http://mlflow.test:5000', auth: { type: 'none' }, timeoutMs: 200, credentials: 'service' };

function reader(fake: FakeFetch, opts = { runsPerPage: 2, pointsPerPage: 3 }) {
  const calls = new CallLog();
  return { calls, reader: new MlflowImportReader(new MlflowClient(config, { fetch: fake.fetch, recorder: calls }), 'prod', config.url, opts) };
}

const run = (id: string, params: Record<string, string> = {}) => ({
  info: { run_id: id, experiment_id: '1', run_name: `n-${id}`, status: 'FINISHED', start_time: 1000, end_time: 2000, user_id: 'ada' },
  data: { params: Object.entries(params).map(([key, value]) => ({ key, value })), tags: [{ key: 'mlflow.note.content', value: 'hi' }], metrics: [{ key: 'loss', value: 0.5, timestamp: 1500, step: 3 }] },
});

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

describe('MLflow import reader', () => {
  it('follows runs/search page tokens to the end, oldest first, with max_results on every page and the filter pushed down', async () => {
    const pages: Record<string, { runs: unknown[]; next_page_token?: string }> = {
      '': { runs: [run('a', { lr: '1' }), run('b', { lr: '1' })], next_page_token: 't1' },
      t1: { runs: [run('c', { lr: '1' }), run('d', { lr: '1' })], next_page_token: 't2' },
      t2: { runs: [run('e', { lr: '1' })] },
    };
    const fake = new FakeFetch().on('POST', '/api/2.0/mlflow/runs/search', (req) => ({ json: pages[(req.body as { page_token?: string }).page_token ?? ''] }));
    const { reader: r, calls } = reader(fake);
    const runs = await collect(r.runs(['1', '2'], parseFilter({ 'config.lr': '1' })));
    expect(runs.map((x) => x.runId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(fake.requests.map((q) => q.body)).toEqual(
      ['', 't1', 't2'].map((t) => ({
        experiment_ids: ['1', '2'],
        filter: 'params.`lr` = \'1\'',
        order_by: ['attributes.start_time ASC'],
        max_results: 2,
        run_view_type: 'ACTIVE_ONLY',
        ...(t ? { page_token: t } : {}),
      })),
    );
    expect(calls.byOp()).toEqual({ 'mlflow.runs.scan': 3 });
    expect(runs[0]).toEqual({
      runId: 'a',
      key: 'a',
      exitCode: 0,
      experimentId: '1',
      name: 'n-a',
      status: 'FINISHED',
      startTime: 1000,
      endTime: 2000,
      user: 'ada',
      params: { lr: '1' },
      tags: { 'mlflow.note.content': 'hi' },
      latestMetrics: { loss: { key: 'loss', value: 0.5, step: 3, timestamp: 1500 } },
    });
  });

  it('applies the part of a filter MLflow cannot express to the runs it returns', async () => {
    const fake = new FakeFetch().on('POST', '/api/2.0/mlflow/runs/search', { json: { runs: [run('a', { lr: '1' }), run('b', { lr: '2' })] } });
    const { reader: r } = reader(fake, { runsPerPage: 10, pointsPerPage: 3 });
    const runs = await collect(r.runs(['1'], parseFilter({ $or: [{ 'config.lr': '2' }, { 'config.lr': '3' }] })));
    expect(runs.map((x) => x.runId)).toEqual(['b']);
    expect((fake.requests[0]?.body as { filter?: string }).filter).toBeUndefined();
  });

  it('reads every page of a metric history with max_results, and numbers come back as numbers', async () => {
    const fake = new FakeFetch().on('GET', '/api/2.0/mlflow/metrics/get-history', (req) => {
      const token = req.url.searchParams.get('page_token');
      const at = token ? Number(token) : 0;
      const metrics = [at, at + 1, at + 2].filter((s) => s < 7).map((s) => ({ key: 'loss', value: s === 6 ? 'NaN' : s / 10, timestamp: 100 + s, step: s }));
      return { json: { metrics, ...(at + 3 < 7 ? { next_page_token: String(at + 3) } : {}) } };
    });
    const { reader: r, calls } = reader(fake);
    const points = await collect(r.history('run1', 'loss'));
    expect(points.map((p) => [p.step, p.timestamp, p.value])).toEqual([[0, 100, 0], [1, 101, 0.1], [2, 102, 0.2], [3, 103, 0.3], [4, 104, 0.4], [5, 105, 0.5], [6, 106, 'NaN']]);
    expect(fake.requests.map((q) => Object.fromEntries(q.url.searchParams))).toEqual([
      { run_id: 'run1', metric_key: 'loss', max_results: '3' },
      { run_id: 'run1', metric_key: 'loss', max_results: '3', page_token: '3' },
      { run_id: 'run1', metric_key: 'loss', max_results: '3', page_token: '6' },
    ]);
    expect(calls.count('mlflow.metrics.getHistory')).toBe(3);
  });

  it('lists every experiment across pages, and names an unknown or deleted chosen one NOT_FOUND', async () => {
    const fake = new FakeFetch()
      .on('POST', '/api/2.0/mlflow/experiments/search', (req) =>
        (req.body as { page_token?: string }).page_token ? { json: { experiments: [{ experiment_id: '2', name: 'b' }] } } : { json: { experiments: [{ experiment_id: '1', name: 'a' }], next_page_token: 'x' } },
      )
      .on('GET', '/api/2.0/mlflow/experiments/get', (req) =>
        req.url.searchParams.get('experiment_id') === '1'
          ? { json: { experiment: { experiment_id: '1', name: 'a', lifecycle_stage: 'active' } } }
          : req.url.searchParams.get('experiment_id') === '3'
            ? { json: { experiment: { experiment_id: '3', name: 'c', lifecycle_stage: 'deleted' } } }
            : { status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'nope' } },
      );
    const { reader: r } = reader(fake);
    expect(await r.experiments(null)).toEqual([{ id: '1', name: 'a' }, { id: '2', name: 'b' }]);
    expect(await r.experiments(['1'])).toEqual([{ id: '1', name: 'a' }]);
    for (const id of ['9', '3']) {
      const e = await r.experiments([id]).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GatewayError);
      expect((e as GatewayError).code).toBe('NOT_FOUND');
    }
  });

  it('refuses page sizes beyond what MLflow allows', () => {
    const fake = new FakeFetch();
    expect(() => reader(fake, { runsPerPage: 50_001, pointsPerPage: 10 })).toThrow(RangeError);
    expect(() => reader(fake, { runsPerPage: 10, pointsPerPage: 25_001 })).toThrow(RangeError);
  });
});
