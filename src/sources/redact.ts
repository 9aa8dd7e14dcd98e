import { gatewayError, type ErrorDetails, type GatewayError } from '../errors';

/** The secret parts of an Authorization header, in the forms an upstream might echo them back. */
export function secretsOf(authorization: string | undefined): string[] {
  if (!authorization) return [];
  const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
  const out = [authorization, value];
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    out.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
  }
  // Short strings (a W&B `api` user name, an empty password) are not secrets and would garble the message.
  return out.filter((s) => s.length >= 8).sort((a, b) => b.length - a.length);
}

/**
 * Error messages keep a 400's upstream explanation (the caller's own bad filter); an upstream that
 * echoes the request's credentials there must not hand them to the client or the logs.
 */
export function redactSecrets(error: GatewayError, secrets: string[]): GatewayError {
  let message = error.message;
  for (const s of secrets) message = message.split(s).join('[redacted]');
  return message === error.message ? error : gatewayError(error.code, message, error.extensions as ErrorDetails);
}
