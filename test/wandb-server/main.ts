import { readFileSync } from 'node:fs';
import { startWandbServer } from './server';
import { testSeed } from './seed';
import type { Seed } from './store';

/**
 * Runs the W&B protocol server on its own (for the demo or by hand):
 * WANDB_TEST_SERVER_PORT, WANDB_API_KEY (required, >= 40 word characters after an optional
 * `prefix-`), and an optional WANDB_SEED_FILE (JSON, see store.ts `Seed`).
 */
async function main(): Promise<void> {
  const apiKey = process.env.WANDB_API_KEY;
  if (!apiKey) throw new Error('WANDB_API_KEY must be set');
  const seed: Seed = process.env.WANDB_SEED_FILE ? (JSON.parse(readFileSync(process.env.WANDB_SEED_FILE, 'utf8')) as Seed) : testSeed();
  const server = await startWandbServer({ seed, apiKey, port: Number(process.env.WANDB_TEST_SERVER_PORT ?? 0) });
  process.stdout.write(`wandb test server: ${server.url}\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`wandb test server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
