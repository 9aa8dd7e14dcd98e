import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { RemoteDestination } from './remote-destination';

/**
 * A gateway process for the kill-and-resume test: the real app, with the W&B destination replaced
 * by the test process's double (MLGATE_TEST_DESTINATION_URL). It only listens; jobs resume on start.
 */
async function main(): Promise<void> {
  const url = process.env.MLGATE_TEST_DESTINATION_URL;
  if (!url) throw new Error('MLGATE_TEST_DESTINATION_URL is not set');
  const config = loadConfig(process.env);
  const dest = new RemoteDestination(url);
  const built = await createApp({ config, logger: createLogger('silent'), importDestination: (name) => (name === 'wandb' ? dest : null) });
  built.app.listen(config.port, '127.0.0.1', () => process.stdout.write(`listening ${config.port}\n`));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
