import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { buildSchema } from '../../src/schema';
import { analyzeOperation } from '../../src/limits/analyze';

const schema = buildSchema();

function shape(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) throw new Error('no operation');
  const fragments = Object.fromEntries(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return analyzeOperation(schema, op, fragments, variables);
}

describe('query shape and upstream cost', () => {
  it('a page of runs with batched fields costs about a request per field, not per run', () => {
    // runs: 1; history (2 per 50 runs): 2; sweep (1 per 50): 1.
    expect(shape(`{ runs(projectId: "x", first: 50) { nodes { config summary history(keys: ["a"]) { step } sweep { name } } } }`).cost).toBe(4);
  });

  it('per-run fields cost per run, and `first` from variables and defaults is honoured', () => {
    expect(shape(`query($n: Int) { runs(projectId: "x", first: $n) { nodes { historyScan { rows { step } } files { path } } } }`, { n: 100 }).cost).toBe(1 + 200 + 100);
    // `first` defaults to 50 on runs.
    expect(shape(`{ runs(projectId: "x") { nodes { files { path } } } }`).cost).toBe(51);
  });

  it('nested pages multiply: the runs of each of 50 projects, each with its files', () => {
    expect(shape(`{ projects(first: 50) { nodes { runs(first: 10) { nodes { files { path } } } } } }`).cost).toBe(1 + 50 + 500);
  });

  it('counts fields inside fragments, depth and aliases', () => {
    const s = shape(`query { a: runs(projectId: "x", first: 10) { ...R } b: runs(projectId: "y", first: 10) { ...R } } fragment R on RunConnection { nodes { files { path } } }`);
    expect(s.cost).toBe(2 * (1 + 10));
    expect(s.aliases).toBe(2);
    expect(s.depth).toBe(4);
  });
});
