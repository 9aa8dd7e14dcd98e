import fc from 'fast-check';
import { matches } from '../../src/filters/evaluate';
import { compareValues, parseOrder, sortValue } from '../../src/filters/order';
import { parseFilter } from '../../src/filters/parse';
import { encodeId } from '../../src/ids';
import type { RunModel } from '../../src/models';
import { experimentByName } from '../helpers/real-mlflow';
import { loadManifest } from '../helpers/manifest';
import { expectNoErrors, type TestApp } from '../helpers/test-app';
import { wandbApp } from '../helpers/wandb';
import type { WandbServer } from '../wandb-server/server';

const FIELDS = `sourceId name state createdAt endedAt user tags { key } config summary group jobType sweepName`;

interface RunOut {
  sourceId: string;
  name: string;
  state: RunModel['state'];
  createdAt: string | null;
  endedAt: string | null;
  user: string | null;
  tags: Array<{ key: string }>;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  group: string | null;
  jobType: string | null;
  sweepName: string | null;
}

/** The run as the reference evaluation sees it: the gateway's model, rebuilt from its GraphQL answer. */
const model = (r: RunOut, source: string): RunModel => ({
  ...r,
  source,
  projectId: '',
  createdAt: r.createdAt ? new Date(r.createdAt) : null,
  endedAt: r.endedAt ? new Date(r.endedAt) : null,
  tags: r.tags.map((t) => ({ key: t.key, value: null })),
  systemTags: [],
  notes: null,
  latestMetrics: {},
  gitCommit: null,
  command: null,
  webUrl: '',
  systemMetrics: null,
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Random filters whose operands come from the seeded runs' own values, so that they select
 * something: comparisons, sets, existence and patterns, combined with $and/$or/$nor/$not.
 */
function filters(runs: RunModel[], paths: string[]): fc.Arbitrary<Record<string, unknown>> {
  const valueOf = (run: RunModel, path: string): unknown => {
    const [head, ...rest] = path.split('.');
    if (head === 'config' || head === 'summary') return rest.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), run[head]);
    if (head === 'tags') return run.tags[0]?.key;
    if (head === 'name') return run.sourceId;
    if (head === 'displayName') return run.name;
    return (run as unknown as Record<string, unknown>)[head as string];
  };
  const operand = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  const leaf = fc
    .record({ path: fc.constantFrom(...paths), run: fc.constantFrom(...runs), other: fc.constantFrom(...runs), op: fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', 'bare') })
    .map(({ path, run, other, op }): Record<string, unknown> => {
      const v = operand(valueOf(run, path));
      const w = operand(valueOf(other, path));
      if (v === undefined || v === null || typeof v === 'object' || op === '$exists') return { [path]: { $exists: v !== undefined } };
      if (op === 'bare') return { [path]: v };
      if (op === '$in' || op === '$nin') return { [path]: { [op]: [v, ...(w === undefined || w === null || typeof w === 'object' ? [] : [w])] } };
      if (op === '$regex' && path !== 'createdAt') return { [path]: { $regex: `^${escape(String(v).slice(0, 3))}` } };
      if (op === '$regex') return { [path]: { $gte: v } };
      if (path === 'tags' && op !== '$eq' && op !== '$ne') return { [path]: v };
      return { [path]: { [op]: v } };
    });
  return fc.letrec<{ f: Record<string, unknown> }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      leaf,
      fc.record({ op: fc.constantFrom('$and', '$or', '$nor'), items: fc.array(tie('f'), { minLength: 1, maxLength: 3 }) }).map(({ op, items }) => ({ [op]: items })),
      leaf.map((l) => {
        const [path, cond] = Object.entries(l)[0] as [string, unknown];
        return { [path]: { $not: cond !== null && typeof cond === 'object' ? cond : { $eq: cond } } };
      }),
      fc.tuple(leaf, leaf).map(([a, b]) => ({ ...a, ...b })),
    ),
  })).f;
}

describe('one filter language, the same answer from every source (property-based)', () => {
  let app: TestApp;
  let wandb: WandbServer;
  let mlflowProject: string;
  const wandbProject = encodeId('Project', 'wandb', 'mlgate/bulk');
  const all: Record<string, RunModel[]> = {};

  async function list(projectIds: string[], filter: unknown, orderBy?: string[], first = 500, after: string | null = null) {
    return expectNoErrors(
      await app.gql<{ runs: { nodes: RunOut[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number } }>(
        `query($p: [ID!], $f: JSON, $o: [String!], $first: Int, $after: String) { runs(projectIds: $p, filter: $f, orderBy: $o, first: $first, after: $after) { totalCount nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        { p: projectIds, f: filter, o: orderBy, first, after },
      ),
    ).runs;
  }

  beforeAll(async () => {
    ({ app, wandb } = await wandbApp());
    mlflowProject = encodeId('Project', 'mlflow', experimentByName(loadManifest(), 'mlgate-page').id);
    all.mlflow = (await list([mlflowProject], null)).nodes.map((r) => model(r, 'mlflow'));
    all.wandb = (await list([wandbProject], null)).nodes.map((r) => model(r, 'wandb'));
  });
  afterAll(async () => {
    await app.stop();
    await wandb.stop();
  });

  const cases: Array<[string, () => string, () => RunModel[], string[]]> = [
    ['MLflow', () => mlflowProject, () => all.mlflow ?? [], ['config.lr', 'config.idx', 'summary.acc', 'summary.loss', 'createdAt', 'state', 'displayName', 'name', 'tags', 'user']],
    ['W&B', () => wandbProject, () => all.wandb ?? [], ['config.lr', 'config.batch_size', 'config.experiment_name', 'config.model.depth', 'summary.acc', 'summary.val_acc', 'createdAt', 'state', 'displayName', 'name', 'tags', 'group', 'sweep']],
  ];

  it.each(cases)('%s: the gateway answers every random filter as the reference evaluation does', async (_name, project, runs, paths) => {
    expect(runs().length).toBeGreaterThanOrEqual(60);
    await fc.assert(
      fc.asyncProperty(filters(runs(), paths), async (filter) => {
        const want = runs().filter((r) => matches(r, parseFilter(filter))).map((r) => r.sourceId).sort();
        const got = await list([project()], filter);
        expect(got.nodes.map((r) => r.sourceId).sort()).toEqual(want);
        expect(got.totalCount).toBe(want.length);
      }),
      { numRuns: 60, seed: Number(process.env.MLGATE_FC_SEED ?? 20261122) },
    );
  }, 240_000);

  it('merged: MLflow and W&B runs in one order, paged, equal the reference with nothing repeated or lost', async () => {
    await fc.assert(
      fc.asyncProperty(filters([...(all.mlflow ?? []), ...(all.wandb ?? [])], ['summary.acc', 'createdAt', 'state', 'displayName']), fc.constantFrom('-summary.acc', 'summary.acc', '-created_at', 'displayName', 'config.lr'), async (filter, key) => {
        const order = parseOrder([key]);
        const want = [...(all.mlflow ?? []), ...(all.wandb ?? [])].filter((r) => matches(r, parseFilter(filter)));
        const got: RunModel[] = [];
        let after: string | null = null;
        for (let page = 0; page < 40; page++) {
          const res = await list([mlflowProject, wandbProject], filter, [key], 17, after);
          got.push(...res.nodes.map((r) => model(r, '?')));
          if (!res.pageInfo.hasNextPage) break;
          after = res.pageInfo.endCursor;
        }
        expect(got.map((r) => r.sourceId).sort()).toEqual(want.map((r) => r.sourceId).sort());
        for (let i = 1; i < got.length; i++) {
          expect(compareValues(sortValue(got[i - 1] as RunModel, order), sortValue(got[i] as RunModel, order), order.desc)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 15, seed: Number(process.env.MLGATE_FC_SEED ?? 7) },
    );
  }, 240_000);
});
