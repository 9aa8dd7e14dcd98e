// Writes a trusted-documents manifest (Apollo's persisted query manifest format) for MLGATE_TRUSTED_DOCUMENTS
// from .graphql files, one operation per file: `node scripts/trusted-documents.mjs src/ide/examples > manifest.json`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const files = (p) => (statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((f) => files(join(p, f))) : p.endsWith('.graphql') ? [p] : []);
const paths = process.argv.slice(2).flatMap(files);
if (paths.length === 0) {
  process.stderr.write('usage: node scripts/trusted-documents.mjs <file or directory of .graphql>...\n');
  process.exit(2);
}
const operations = paths.map((p) => {
  const body = readFileSync(p, 'utf8');
  const name = /\b(query|mutation|subscription)\s+(\w+)/.exec(body);
  return { id: createHash('sha256').update(body, 'utf8').digest('hex'), body, name: name?.[2] ?? null, type: name?.[1] ?? 'query' };
});
process.stdout.write(`${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`);
