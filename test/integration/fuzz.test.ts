import { encodeId } from '../../src/ids';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';
import { loadManifest } from '../helpers/manifest';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { TEST_WANDB_KEY } from '../helpers/wandb';

/**
 * Thousands of malformed and hostile requests against the real app, wired to the real MLflow
 * server and the W&B test server. Whatever comes in: no 5xx but typed upstream errors, no code
 * outside the closed set, no INTERNAL_SERVER_ERROR, no crash or unhandled rejection, and not one
 * upstream write, checked in the gateway's call log and on the W&B server's side.
 */
const CASES = 3000;
const IN_FLIGHT = 8;

/** Codes a client may see: the gateway's own and those Apollo raises before any resolver runs. */
const ALLOWED = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNSUPPORTED_BY_SOURCE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_ERROR', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);
/** Upstream operation names that change something; the gateway's reads never match. */
const WRITE_OP = /upsert|create|delete|mark|link|alias|update|logBatch|setTag|upload|fileStream|rename|setAlias/i;
const WANDB_MUTATION = /^(Upsert|Create|Delete|Mark|Link|Add|Update|Rename)/;

/** mulberry32: the same seed gives the same cases, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, n: number) => Math.floor(r() * n);

const WEIRD_STRINGS = ['', ' ', '..', '../../etc/passwd', '%00', '\u0000', '\uffff', '🙂'.repeat(50), 'a'.repeat(5000), '$where', '{"$gt":1}', "' OR 1=1 --", '<script>', '\\', 'null', 'NaN', '-0', '1e309', 'mlg1:Run:wandb:x', 'bWxnMTpSdW46'];
const WEIRD_NUMBERS = [0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 53 + 1, 1e308, -1e308, 0.5, 1e-300];
const OPERATORS = ['$and', '$or', '$nor', '$not', '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', '$where', '$expr', '$size', '$elemMatch', '$', ''];
const PATHS = ['config.lr', 'summary.acc', 'summary_metrics.val_acc', 'tags', 'state', 'name', 'displayName', 'createdAt', 'user', 'group', 'jobType', 'sweep', 'config.', '.x', 'config..a', 'summary.a.b.c', '__proto__', 'constructor', 'x'.repeat(300)];

function junkValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 3 ? 4 : 7)) {
    case 0:
      return pick(r, WEIRD_STRINGS);
    case 1:
      return pick(r, WEIRD_NUMBERS);
    case 2:
      return pick(r, [true, false, null]);
    case 3:
      return String.fromCharCode(...Array.from({ length: int(r, 20) }, () => int(r, 0xffff)));
    case 4:
      return Array.from({ length: int(r, 4) }, () => junkValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(r, 4); i > 0; i--) o[pick(r, [...OPERATORS, ...PATHS, ...WEIRD_STRINGS])] = junkValue(r, depth + 1);
      return o;
    }
  }
}

function junkFilter(r: Rand, depth = 0): unknown {
  if (depth > 3 || r() < 0.3) return junkValue(r, 3);
  const key = r() < 0.5 ? pick(r, OPERATORS) : pick(r, PATHS);
  const value = r() < 0.5 ? junkFilter(r, depth + 1) : r() < 0.5 ? [junkFilter(r, depth + 1), junkFilter(r, depth + 1)] : { [pick(r, OPERATORS)]: junkValue(r, 3) };
  return { [key]: value };
}

/** Global ids and cursors: garbage, truncated, of the wrong type or source, or pointing nowhere. */
function junkId(r: Rand, real: string[]): string {
  switch (int(r, 7)) {
    case 0:
      return Buffer.from(String(junkValue(r, 3))).toString('base64');
    case 1:
      return pick(r, real).slice(0, int(r, 20));
    case 2:
      return encodeId(pick(r, ['Run', 'Project', 'ModelVersion', 'RegisteredModel', 'Sweep', 'Report'] as const), pick(r, ['wandb', 'mlflow', 'nope', '']), pick(r, WEIRD_STRINGS));
    case 3:
      return encodeId('Run', pick(r, ['wandb', 'mlflow']), `${pick(r, ['mlgate', 'x', ''])}/${pick(r, ['vision', 'y', ''])}/${pick(r, WEIRD_STRINGS)}`);
    case 4:
      return pick(r, real) + pick(r, ['=', '==', '!', '%', ' ']);
    case 5:
      return pick(r, WEIRD_STRINGS);
    default:
      return encodeId('Project', 'mlflow', String(pick(r, WEIRD_NUMBERS)));
  }
}

const READS = [
  (v: string) => `query($id: ID!, $f: JSON, $o: [String!], $n: Int, $a: String) { ${v}: runs(projectId: $id, filter: $f, orderBy: $o, first: $n, after: $a) { totalCount nodes { id name config summary } pageInfo { endCursor } } }`,
  (v: string) => `query($id: ID!) { ${v}: run(id: $id) { id name history(keys: ["acc"]) { step } files { name } } }`,
  (v: string) => `query($id: ID!) { ${v}: node(id: $id) { id } }`,
  (v: string) => `query($id: ID!, $a: String) { ${v}: project(id: $id) { runs(first: 2, after: $a) { nodes { id } } } }`,
  (v: string) => `query($p: String!) { ${v}: runByPath(path: $p) { id } }`,
  (v: string) => `query($f: JSON, $s: String!) { ${v}: registryVersions(source: $s, filter: $f, first: 3) { nodes { id } } }`,
  (v: string) => `query($f: String, $s: String) { ${v}: registeredModels(source: $s, filter: $f, first: 3) { nodes { id } } }`,
];

/** Writes whose input is always invalid (forged ids, reserved keys, non-objects): none may reach an upstream. */
const WRITES = [
  `mutation($id: ID!, $s: JSON) { updateRunSummary(runId: $id, set: $s) { run { id } } }`,
  `mutation($id: ID!, $s: JSON) { updateRunConfig(runId: $id, set: $s, delete: ["_wandb"]) { run { id } } }`,
  `mutation($id: ID!) { updateRun(runId: $id, input: { tags: { add: ["a"], remove: ["a"] } }) { run { id } } }`,
  `mutation($id: ID!, $g: String) { deleteRunFiles(runId: $id, glob: $g, names: ["x"]) { deleted } }`,
  `mutation($id: ID!) { setModelVersionAliases(id: $id, add: ["latest"]) { version { id } } }`,
];

/** Mutates a document: deletes, duplicates or inserts characters and tokens. */
function mangle(r: Rand, doc: string): string {
  let s = doc;
  for (let i = 1 + int(r, 3); i > 0; i--) {
    const at = int(r, s.length + 1);
    const op = int(r, 4);
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1 + int(r, 5));
    else if (op === 1) s = s.slice(0, at) + pick(r, ['{', '}', '(', ')', '$', '!', '...', '@skip', ':', '"', '#', '\\u0000', 'fragment', ' __typename ', ' __schema { types { name } } ']) + s.slice(at);
    else if (op === 2) s = s.slice(0, at) + s.slice(at, at + 20).repeat(2) + s.slice(at + 20);
    else s = s.replace(/first: \d+|\$n/, `first: ${pick(r, WEIRD_NUMBERS)}`);
  }
  return s;
}

/** encodeURIComponent throws on lone surrogates, which junk strings contain. */
const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'));

interface Outcome {
  status: number;
  body: unknown;
  text: string;
}

describe('fuzz: malformed and hostile requests', () => {
  let wandb: WandbServer;
  let app: TestApp;
  const unexpected: unknown[] = [];
  const onRejection = (e: unknown) => unexpected.push(e);

  beforeAll(async () => {
    const mlflow = process.env.MLGATE_TEST_MLFLOW_URL;
    if (!mlflow) throw new Error('MLGATE_TEST_MLFLOW_URL is not set: the jest global setup did not start MLflow.');
    wandb = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
    app = await buildTestApp({ env: { WANDB_BASE_URL: wandb.url, WANDB_API_KEY: TEST_WANDB_KEY, MLFLOW_TRACKING_URI: mlflow } });
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onRejection);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onRejection);
    await app?.stop();
    await wandb?.stop();
  });

  it(`answers ${CASES} hostile requests with typed errors, no 5xx but upstream ones, no crash and no upstream write`, async () => {
    const manifest = loadManifest();
    const mlflowRun = manifest.experiments.flatMap((e) => e.runIds)[0] ?? '';
    const real = [encodeId('Project', 'wandb', 'mlgate/vision'), encodeId('Project', 'mlflow', manifest.experiments[0]?.id ?? '0'), encodeId('Run', 'mlflow', mlflowRun), encodeId('Run', 'wandb', 'mlgate/vision/longhist1')];
    const r = prng(0x5eed);
    const requests: Array<() => Promise<Outcome>> = [];
    const post = (body: string, type = 'application/json') => async () => {
      const res = await app.http.post('/graphql').set('content-type', type).send(body);
      return { status: res.status, body: res.body as unknown, text: res.text };
    };
    const get = (path: string) => async () => {
      const res = await app.http.get(path);
      return { status: res.status, body: res.body as unknown, text: res.text };
    };
    for (let i = 0; i < CASES; i++) {
      const kind = int(r, 10);
      const alias = pick(r, ['a', 'b', '_x']);
      if (kind === 0) {
        // Bodies that are not JSON, or JSON of the wrong shape.
        requests.push(post(pick(r, ['{', '[]', 'null', '"q"', '{"query": 1}', '{"query": null}', '{"query": "{", "variables": "x"}', '{"query": "{ sources { name } }", "variables": [1]}', '{"query": "{ sources { name } }", "operationName": 7}', JSON.stringify(junkValue(r)).slice(0, int(r, 200))])));
      } else if (kind === 1) {
        // Simple cross-site requests: CSRF prevention must refuse them before execution.
        requests.push(post(JSON.stringify({ query: '{ sources { name } }' }), pick(r, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])));
      } else if (kind === 2 || kind === 3) {
        const doc = pick(r, READS)(alias);
        requests.push(post(JSON.stringify({ query: kind === 2 ? mangle(r, doc) : doc, variables: { id: junkId(r, real), f: junkFilter(r), o: [pick(r, [...PATHS, '-created_at', '+name', 'summary.', '--x'])], n: pick(r, [...WEIRD_NUMBERS, 1, 2]), a: junkId(r, real), p: pick(r, WEIRD_STRINGS), s: pick(r, ['wandb', 'mlflow', 'x', '']) } })));
      } else if (kind === 4) {
        // Filters over real projects: every one must be parsed, refused or answered, never crash.
        requests.push(post(JSON.stringify({ query: READS[0]?.(alias), variables: { id: pick(r, real.slice(0, 2)), f: junkFilter(r), o: r() < 0.5 ? null : [pick(r, PATHS)], n: 2 } })));
      } else if (kind === 5) {
        // Variables of the wrong types.
        requests.push(post(JSON.stringify({ query: pick(r, READS)(alias), variables: { id: junkValue(r), f: junkValue(r), o: junkValue(r), n: junkValue(r), a: junkValue(r), p: junkValue(r), s: junkValue(r) } })));
      } else if (kind === 6) {
        const writeTarget = r() < 0.5 ? junkId(r, real) : pick(r, real.slice(2));
        requests.push(post(JSON.stringify({ query: pick(r, WRITES), variables: { id: writeTarget, s: r() < 0.5 ? { [`_${pick(r, ['wandb', 'step', 'x'])}`]: junkValue(r, 3) } : pick(r, [[1], 'x', 7, true]), g: pick(r, ['[', '**/[', '\\', '', 'a[b']) } })));
      } else if (kind === 7) {
        requests.push(get(`/export/runs.csv?projectId=${enc(junkId(r, real))}&filter=${enc(JSON.stringify(junkFilter(r)))}&columns=${enc(pick(r, WEIRD_STRINGS))}&orderBy=${enc(pick(r, PATHS))}`));
      } else if (kind === 8) {
        requests.push(get(`/${pick(r, ['files', 'export/history.csv?runId=', 'export/system-metrics.csv?runId='])}${pick(r, ['/', ''])}${enc(junkId(r, real))}/${pick(r, ['..%2F..%2Fetc%2Fpasswd', '../x', '%2e%2e/x', 'a/../../b', '', 'ok.txt'])}`));
      } else {
        requests.push(get(`/graphql?query=${enc(mangle(r, pick(r, READS)(alias)))}&variables=${enc(String(junkValue(r)))}`));
      }
    }

    const failures: string[] = [];
    const check = (i: number, o: Outcome) => {
      const errors = (o.body as { errors?: Array<{ extensions?: { code?: string } }> } | null)?.errors ?? [];
      const codes = errors.map((e) => e.extensions?.code ?? 'NO_CODE');
      const upstreamOnly = codes.length > 0 && codes.every((c) => c.startsWith('UPSTREAM_'));
      if (o.status >= 500 && !upstreamOnly) failures.push(`#${i}: HTTP ${o.status} ${o.text.slice(0, 200)}`);
      // Every refusal is a JSON error with a code, whichever layer refused it (parser, router, GraphQL).
      if (o.status >= 400 && codes.length === 0) failures.push(`#${i}: HTTP ${o.status} without a typed error: ${o.text.slice(0, 200)}`);
      for (const c of codes) if (!ALLOWED.has(c)) failures.push(`#${i}: code ${c}: ${o.text.slice(0, 200)}`);
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < requests.length) {
          const i = next++;
          check(i, await (requests[i] as () => Promise<Outcome>)());
        }
      }),
    );

    expect(failures.slice(0, 20)).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(app.calls.calls.filter((c) => WRITE_OP.test(c.op)).map((c) => c.op)).toEqual([]);
    expect(wandb.operations.filter((op) => WANDB_MUTATION.test(op))).toEqual([]);
    // Still serving after all of it.
    expect((await app.http.get('/readyz')).status).toBe(200);
    expect((await app.gql('{ sources { name } }')).data).toEqual({ sources: [{ name: 'mlflow' }, { name: 'wandb' }] });
  }, 180_000);
});
