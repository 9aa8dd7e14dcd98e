import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/** The closed set of error codes mlgate itself raises. */
export const GATEWAY_ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'UNSUPPORTED_BY_SOURCE',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/** Codes Apollo Server raises for requests it rejects before any resolver runs; passed through. */
const APOLLO_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export interface ErrorDetails {
  /** The configured source the failure concerns. */
  source?: string;
  [key: string]: unknown;
}

export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, { extensions: { code, ...details } });
    this.code = code;
  }
}

export function gatewayError(code: ErrorCode, message: string, details?: ErrorDetails): GatewayError {
  return new GatewayError(code, message, details);
}

export function badInput(message: string, details?: ErrorDetails): GatewayError {
  return new GatewayError('BAD_USER_INPUT', message, details);
}

export function notFound(message: string, details?: ErrorDetails): GatewayError {
  return new GatewayError('NOT_FOUND', message, details);
}

export interface MaskOptions {
  /** Keep the original message of masked errors (development only). */
  exposeUnexpected: boolean;
  onUnexpected: (error: unknown) => void;
}

/**
 * Apollo's formatError: errors built by gatewayError() and Apollo's own request errors pass through;
 * anything else (a bug, an unmapped upstream failure) is masked so no internals or upstream bodies
 * reach a client.
 */
export function createErrorFormatter(opts: MaskOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GatewayError) return formatted;
    const code = formatted.extensions?.code;
    if (original instanceof GraphQLError && typeof code === 'string' && APOLLO_REQUEST_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    opts.onUnexpected(original);
    return {
      message: opts.exposeUnexpected && original instanceof Error ? original.message : 'Unexpected error.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
