import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { BATCH_SIZE, FIELD_COSTS, MUTATION_COST, UNBOUNDED_LIST_ITEMS } from './costs';

export interface OperationShape {
  depth: number;
  aliases: number;
  /** Upstream requests the operation can cause, at most (see costs.ts). */
  cost: number;
}

function argValue(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  return undefined;
}

/** `first` as asked, else the argument's default, else 50: what a connection field may return. */
function pageSize(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | null {
  const def = field.args.find((a) => a.name === 'first');
  if (!def) return null;
  const asked = argValue(node.arguments?.find((a) => a.name.value === 'first')?.value, variables);
  const n = typeof asked === 'number' ? asked : typeof def.defaultValue === 'number' ? def.defaultValue : 50;
  return Math.max(0, n);
}

/**
 * Depth, aliases and upstream cost of one operation, walking fragments where they are spread.
 * Cost multiplies down the tree: a field under a page of 50 runs counts 50 times (or once per 50
 * when it is batched).
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): OperationShape {
  const shape: OperationShape = { depth: 0, aliases: 0, cost: 0 };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return shape;

  const walk = (set: SelectionSetNode, type: GraphQLNamedType, depth: number, parents: number, seen: Set<string>) => {
    shape.depth = Math.max(shape.depth, depth);
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments[sel.name.value];
        // A fragment spread inside itself is invalid GraphQL; validation reports it, not us.
        if (!frag || seen.has(frag.name.value)) continue;
        const on = frag.typeCondition ? schema.getType(frag.typeCondition.name.value) : type;
        walk(frag.selectionSet, on ?? type, depth, parents, new Set([...seen, frag.name.value]));
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        walk(sel.selectionSet, on ?? type, depth, parents, seen);
        continue;
      }
      if (sel.alias) shape.aliases++;
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[sel.name.value];
      if (!field) continue;
      if (depth === 1 && operation.operation === 'mutation') shape.cost += MUTATION_COST;
      const price = FIELD_COSTS[`${type.name}.${field.name}`];
      if (price) shape.cost += price.requests * (price.batched ? Math.ceil(parents / BATCH_SIZE) : parents);
      if (!sel.selectionSet) continue;
      const page = pageSize(field, sel, variables);
      // The nodes and edges of a connection are its page, already counted by `first`.
      const listed = isListType(getNullableType(field.type)) && !type.name.endsWith('Connection') ? UNBOUNDED_LIST_ITEMS : 1;
      // A connection's page multiplies what is selected under its nodes or edges.
      walk(sel.selectionSet, getNamedType(field.type), depth + 1, parents * (page ?? listed), seen);
    }
  };
  walk(operation.selectionSet, root, 1, 1, new Set());
  return shape;
}
