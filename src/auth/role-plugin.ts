import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import { gatewayError } from '../errors';
import { currentScope } from '../request-scope';
import { ADMIN_MUTATIONS, atLeast, type Role } from './roles';

/** Mutations need an editor (imports and cache flushes an admin), checked before anything runs. */
export function rolePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'mutation') return;
          const role = currentScope().role ?? 'admin';
          for (const sel of operation.selectionSet.selections) {
            if (sel.kind !== Kind.FIELD) continue;
            const needed: Role = ADMIN_MUTATIONS.has(sel.name.value) ? 'admin' : 'editor';
            if (!atLeast(role, needed)) {
              throw gatewayError('FORBIDDEN', `\`${sel.name.value}\` needs the ${needed} role; this caller is a ${role}.`, { requiredRole: needed });
            }
          }
        },
      };
    },
  };
}
