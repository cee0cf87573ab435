import 'reflect-metadata';
import { type INestApplication, Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';

// Exit code for a configuration error (sysexits EX_CONFIG).
const EXIT_CONFIG = 78;
// How long a stop may take before the process ends anyway.
const STOP_DEADLINE_MS = 10_000;

// SIGTERM and SIGINT close the application (in-flight requests, the database) and end the
// process with code 0; a stop that hangs, or a second signal, ends it with code 1.
function stopOnSignals(app: INestApplication, logger: Logger): void {
  const stop = (signal: NodeJS.Signals) => {
    logger.log(`${signal}: stopping`);
    process.once(signal, () => process.exit(1));
    setTimeout(() => {
      process.stderr.write(`switchyard: not stopped after ${STOP_DEADLINE_MS} ms, exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    app.close().then(
      () => {
        logger.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`switchyard: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
  const app = await createApp(config);
  const logger = new Logger('Switchyard');
  stopOnSignals(app, logger);
  await app.listen({ port: config.PORT, host: config.HOST });
  logger.log(
    `listening on http://${config.HOST}:${config.PORT} (REST /api/v1, GraphQL /graphql, docs /api/docs)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `switchyard: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
