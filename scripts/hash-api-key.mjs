// Makes a new API key for the gateway and prints it once, with the entry to add to
// MLGATE_API_KEYS_FILE (which stores only its SHA-256). usage: node scripts/hash-api-key.mjs <name> <viewer|editor|admin>
import { createHash, randomBytes } from 'node:crypto';

const [name, role] = process.argv.slice(2);
if (!name || !['viewer', 'editor', 'admin'].includes(role ?? '')) {
  process.stderr.write('usage: node scripts/hash-api-key.mjs <name> <viewer|editor|admin>\n');
  process.exit(2);
}
const key = `mlg_${randomBytes(32).toString('base64url')}`;
process.stdout.write(`key (give it to the caller; it is not stored): ${key}\n`);
process.stdout.write(`entry: ${JSON.stringify({ name, sha256: createHash('sha256').update(key).digest('hex'), role })}\n`);
