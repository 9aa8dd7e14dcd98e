import { GatewayError } from '../../src/errors';
import { matches } from '../../src/filters/evaluate';
import { compileMlflow } from '../../src/filters/mlflow';
import { compareValues, mlflowOrder, parseOrder, wandbOrder } from '../../src/filters/order';
import { filterArgument, parseFilter } from '../../src/filters/parse';
import { toWandbFilter } from '../../src/filters/wandb';
import type { RunModel } from '../../src/models';

function run(over: Partial<RunModel>): RunModel {
  return {
    source: 's', sourceId: 'r1', projectId: 'p', name: 'trial', state: 'FINISHED', createdAt: new Date('2026-01-02T09:00:00Z'), endedAt: null,
    user: 'ada', notes: null, tags: [{ key: 'baseline', value: null }], systemTags: [], config: { lr: 0.01, act: 'relu', model: { depth: 8 } },
    summary: { acc: 0.9 }, latestMetrics: {}, gitCommit: null, command: null, webUrl: '', group: null, jobType: null, sweepName: null, systemMetrics: null,
    ...over,
  };
}

function error(input: unknown): { message: string; path?: unknown; operator?: unknown } {
  try {
    filterArgument(input);
  } catch (e) {
    if (e instanceof GatewayError && e.code === 'BAD_USER_INPUT') return { message: e.message, path: e.extensions.path, operator: e.extensions.operator };
    throw e;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('filter language', () => {
  it('names the offending operator and path of an invalid filter', () => {
    expect(error({ 'config.lr': { $gtx: 1 } })).toMatchObject({ operator: '$gtx', path: 'config.lr' });
    expect(error({ $xor: [] })).toMatchObject({ operator: '$xor' });
    expect(error({ 'config.lr': { $in: 3 } })).toMatchObject({ operator: '$in', path: 'config.lr' });
    expect(error({ 'displayName': { $regex: '(' } })).toMatchObject({ operator: '$regex', path: 'displayName' });
    expect(error({ colour: 'red' })).toMatchObject({ path: 'colour' });
    expect(error({ 'config.': 1 })).toMatchObject({ path: 'config.' });
    expect(error('{not json')).toMatchObject({ message: expect.stringContaining('JSON object') });
    expect(error({ $or: [] })).toMatchObject({ operator: '$or' });
    expect(error({ created_at: { $regex: '^2026' } })).toMatchObject({ operator: '$regex', path: 'created_at' });
  });

  it('evaluates MongoDB semantics: arrays, missing values, $not, $nor, dates and numeric strings', () => {
    const r = run({ config: { lr: '0.01', act: 'relu' } });
    const m = (f: unknown, x: RunModel = r) => matches(x, parseFilter(f));
    expect(m({ tags: 'baseline' })).toBe(true);
    expect(m({ tags: { $in: ['x', 'baseline'] } })).toBe(true);
    expect(m({ tags: { $nin: ['baseline'] } })).toBe(false);
    expect(m({ 'config.lr': { $gt: 0.001 } })).toBe(true); // MLflow params are strings holding numbers
    expect(m({ 'config.act': { $gt: 1 } })).toBe(false);
    expect(m({ 'config.missing': { $ne: 3 } })).toBe(true);
    expect(m({ 'config.missing': { $lt: 3 } })).toBe(false);
    expect(m({ 'config.missing': { $exists: false } })).toBe(true);
    expect(m({ createdAt: { $gte: '2026-01-02' } })).toBe(true);
    expect(m({ createdAt: { $lt: '2026-01-02T09:00:00' } })).toBe(false);
    expect(m({ state: 'finished' })).toBe(true);
    expect(m({ 'config.act': { $not: { $regex: '^re' } } })).toBe(false);
    expect(m({ $nor: [{ 'summary.acc': { $lt: 0.5 } }, { user: 'bob' }] })).toBe(true);
    expect(m({ $or: [{ 'summary.acc': { $lt: 0.5 } }, { displayName: { $regex: 'tri' } }] })).toBe(true);
    expect(m({ 'config.model.depth': 8 }, run({}))).toBe(true);
  });

  it('pushes to MLflow only what MLflow answers exactly, and keeps the rest', () => {
    const f = parseFilter({
      'summary.acc': { $gte: 0.5 },
      'config.act': 'relu',
      'config.lr': { $gt: 0.001 },
      name: { $in: ['a', 'b'] },
      createdAt: { $gt: '2026-01-01T00:00:00Z' },
      $or: [{ state: 'FINISHED' }, { tags: 'x' }],
    });
    const { pushdown, residual } = compileMlflow(f);
    expect(pushdown).toBe("metrics.`acc` >= 0.5 and params.`act` = 'relu' and attributes.run_id IN ('a', 'b') and attributes.start_time > 1767225600000");
    expect(residual).toEqual({ kind: 'and', children: [expect.objectContaining({ op: '$gt', value: 0.001 }), expect.objectContaining({ kind: 'or' })] });
    expect(compileMlflow(parseFilter({ 'config.act': "o'brien" }))).toEqual({ pushdown: null, residual: expect.objectContaining({ op: '$eq' }) });
  });

  it('rewrites filters to W&B keys and values', () => {
    expect(toWandbFilter(parseFilter({ 'summary.acc': { $gt: 1 }, displayName: 'x', state: { $in: ['FINISHED', 'crashed'] }, createdAt: { $gt: '2026-01-01' } }))).toEqual({
      $and: [{ 'summary_metrics.acc': { $gt: 1 } }, { display_name: { $eq: 'x' } }, { state: { $in: ['finished', 'crashed'] } }, { created_at: { $gt: '2026-01-01T00:00:00' } }],
    });
    expect(toWandbFilter(parseFilter({ state: { $regex: '^(FIN|KIL)' } }))).toEqual({ state: { $in: ['finished', 'killed'] } });
  });

  it('orders by one key in both dialects, absent values last either way', () => {
    expect(wandbOrder(parseOrder(['summary.val_acc']))).toBe('+summary_metrics.val_acc');
    expect(mlflowOrder(parseOrder(['-summary.val_acc']))).toEqual(['metrics.`val_acc` DESC', 'attributes.run_id ASC']);
    expect(mlflowOrder(parseOrder(['config.lr']))).toBeNull();
    expect(mlflowOrder(parseOrder(null))).toEqual(['attributes.start_time DESC', 'attributes.run_id ASC']);
    expect([3, null, 1, 2].sort((a, b) => compareValues(a, b, true))).toEqual([3, 2, 1, null]);
    expect([3, null, 1, 2].sort((a, b) => compareValues(a, b, false))).toEqual([1, 2, 3, null]);
    expect(() => parseOrder(['-bogus'])).toThrow('Cannot order by `bogus`');
  });
});
