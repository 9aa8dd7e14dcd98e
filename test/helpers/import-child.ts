import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';

/**
 * A gateway process for the kill-and-resume test: the real app, configured from its environment,
 * writing to the W&B test server. It only listens; its jobs resume on start.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const built = await createApp({ config, logger: createLogger('silent') });
  built.app.listen(config.port, '127.0.0.1', () => process.stdout.write(`listening ${config.port}\n`));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
