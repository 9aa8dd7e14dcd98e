import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayMetrics } from './metrics';

/** Times each GraphQL request by operation type and counts the error codes it answers with. */
export function metricsPlugin<T extends object>(metrics: GatewayMetrics): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ response, operation }) {
          metrics.observeRequest(operation?.operation ?? 'invalid', (performance.now() - started) / 1000);
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          for (const e of errors ?? []) metrics.countError(typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR');
        },
      };
    },
  };
}
