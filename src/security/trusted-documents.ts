import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

/**
 * Trusted documents (persisted operations): the GraphQL documents a deployment's own clients send,
 * listed in a manifest by their SHA-256. `enforce` refuses every other document before it is even
 * parsed; `allow-unlisted` runs them and logs them, to find what a manifest is missing.
 */
export interface TrustedDocuments {
  mode: 'enforce' | 'allow-unlisted';
  /** sha256 hex of the document text → the text. */
  documents: Map<string, string>;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Reads Apollo's persisted query manifest format (`{"format": "apollo-persisted-query-manifest",
 * "version": 1, "operations": [{"id", "body", ...}]}`), which Apollo's client tooling generates.
 * Every id must be the SHA-256 of its body: a manifest that lies about a hash is refused whole.
 */
export function loadTrustedDocuments(path: string, mode: string | undefined, fail: (message: string) => never): TrustedDocuments {
  if (mode !== undefined && mode !== '' && mode !== 'enforce' && mode !== 'allow-unlisted') {
    fail(`MLGATE_TRUSTED_DOCUMENTS_MODE must be "enforce" or "allow-unlisted", got ${JSON.stringify(mode)}.`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(`MLGATE_TRUSTED_DOCUMENTS: cannot read the manifest as JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).`);
  }
  const m = manifest as { format?: unknown; operations?: unknown };
  if (m?.format !== 'apollo-persisted-query-manifest' || !Array.isArray(m.operations)) {
    fail('MLGATE_TRUSTED_DOCUMENTS: the manifest must be {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "body"}]}.');
  }
  const documents = new Map<string, string>();
  (m.operations as unknown[]).forEach((op, i) => {
    const { id, body } = (op ?? {}) as { id?: unknown; body?: unknown };
    if (typeof id !== 'string' || typeof body !== 'string') fail(`MLGATE_TRUSTED_DOCUMENTS: operation ${i} needs a string "id" and "body".`);
    if (sha256(body) !== id.toLowerCase()) fail(`MLGATE_TRUSTED_DOCUMENTS: operation ${i}'s id is not the SHA-256 of its body.`);
    documents.set(id.toLowerCase(), body);
  });
  return { mode: mode === 'allow-unlisted' ? 'allow-unlisted' : 'enforce', documents };
}

const refusal = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

/**
 * Resolves `extensions.persistedQuery.sha256Hash` (Apollo's persisted-query request format) to its
 * document, or checks a full document against the manifest, before Apollo sees the request. Runs
 * after the JSON body parser; GET requests carry the same fields as query parameters.
 */
export function trustedDocumentsMiddleware(trusted: TrustedDocuments, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const get = req.method === 'GET';
    // Apollo reads a GET's fields from the URL itself, so they are read (and rewritten) there too.
    const url = new URL(req.url, 'http://gateway');
    const params = (get ? Object.fromEntries(url.searchParams) : req.body) as Record<string, unknown> | unknown[] | undefined;
    if (!params || Array.isArray(params) || typeof params !== 'object') {
      if (trusted.mode === 'enforce') return void res.status(400).json(refusal('Send one operation per request as a JSON object.', 'BAD_USER_INPUT'));
      return next();
    }
    let extensions = params.extensions;
    if (get && typeof extensions === 'string') {
      try {
        extensions = JSON.parse(extensions);
      } catch {
        return void res.status(400).json(refusal('The extensions parameter is not valid JSON.', 'BAD_USER_INPUT'));
      }
    }
    const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
    const query = typeof params.query === 'string' ? params.query : undefined;
    const id = typeof hash === 'string' ? hash.toLowerCase() : query !== undefined ? sha256(query) : undefined;
    const known = id === undefined ? undefined : trusted.documents.get(id);
    if (known !== undefined && query !== undefined && query !== known) {
      return void res.status(400).json(refusal('The document does not match its sha256Hash.', 'BAD_USER_INPUT'));
    }
    if (known === undefined) {
      if (trusted.mode === 'enforce') {
        return void res.status(400).json(refusal('Only trusted documents are accepted here: this document is not in the manifest (MLGATE_TRUSTED_DOCUMENTS).', 'PERSISTED_QUERY_NOT_FOUND'));
      }
      logger.warn('untrusted document executed', { sha256: id ?? null });
      return next();
    }
    // Apollo's own persisted-query handling is off; hand it the document itself.
    if (extensions && typeof extensions === 'object') delete (extensions as { persistedQuery?: unknown }).persistedQuery;
    if (get) {
      url.searchParams.set('query', known);
      if (extensions !== undefined) url.searchParams.set('extensions', JSON.stringify(extensions));
      req.url = `${url.pathname}${url.search}`;
    } else {
      (params as Record<string, unknown>).query = known;
    }
    next();
  };
}
