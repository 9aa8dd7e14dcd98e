import type { ApolloServerPlugin } from '@apollo/server';
import { requestScope } from '../request-scope';

/** Tells the client which sources answered from expired cache entries: `extensions.stale.sources`. */
export function stalePlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const stale = requestScope.getStore()?.stale;
          if (!stale?.size) return;
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          result.extensions = { ...result.extensions, stale: { sources: [...stale].sort() } };
        },
      };
    },
  };
}
