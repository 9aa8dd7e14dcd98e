import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';

/** Entry point: read configuration once, build the app, listen. No other logic lives here. */
async function main(): Promise<void> {
  const logger = createLogger();
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`mlgate: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const { app, stop } = await createApp({ config, logger });
  const server = app.listen(config.port, () => {
    logger.info('mlgate listening', {
      graphql: `http://localhost:${config.port}/graphql`,
      sources: config.sources.map((s) => ({ name: s.name, kind: s.kind, url: s.url })),
    });
  });
  const shutdown = () => {
    server.close();
    void stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();
