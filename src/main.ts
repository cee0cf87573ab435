import 'reflect-metadata';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type INestApplication, Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { CONTAINER_ENGINE, type ContainerEngine } from './engine/engine.port';

// Exit code for a configuration error (sysexits EX_CONFIG).
const EXIT_CONFIG = 78;
// Exit code when the port is taken by another process (EX_UNAVAILABLE).
const EXIT_ADDRESS_IN_USE = 69;
// How long a stop may take before the process ends anyway.
const STOP_DEADLINE_MS = 10_000;

// SIGTERM and SIGINT close the application (in-flight requests, the database) and end the
// process with code 0; a stop that hangs, or a second signal, ends it with code 1.
function stopOnSignals(app: INestApplication, logger: Logger): void {
  const stop = (signal: NodeJS.Signals) => {
    const started = performance.now();
    logger.log(`${signal}: stopping (shutdown started: in-flight requests, then the database)`);
    process.once(signal, () => process.exit(1));
    setTimeout(() => {
      process.stderr.write(`switchyard: not stopped after ${STOP_DEADLINE_MS} ms, exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    app.close().then(
      () => {
        const durationMs = Math.round(performance.now() - started);
        logger.log({ durationMs }, `stopped: shutdown finished in ${durationMs} ms`);
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

// Whether another process listens on the address (any other failure is left to the real listen).
function addressInUse(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

function exitPortTaken(port: number, host: string): never {
  process.stderr.write(
    `switchyard: port ${port} on ${host} is taken - is Switchyard already running? set PORT or HOST\n`,
  );
  process.exit(EXIT_ADDRESS_IN_USE);
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
  // Checked before anything is opened: another process (often a Switchyard started earlier) holds
  // the address. One line, no stack trace.
  if (config.PORT !== 0 && (await addressInUse(config.PORT, config.HOST)))
    exitPortTaken(config.PORT, config.HOST);
  const app = await createApp(config);
  const logger = new Logger('Switchyard');
  stopOnSignals(app, logger);
  logger.log(`database ${config.DATABASE_PATH === ':memory:' ? ':memory:' : resolve(config.DATABASE_PATH)}`);
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // Taken between the check above and now.
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    exitPortTaken(config.PORT, config.HOST);
  }
  logger.log(
    `listening on http://${config.HOST}:${config.PORT} (REST /api/v1, GraphQL /graphql, docs /api/docs)`,
  );
  await reportEngine(app, logger);
}

// One start-up line about the engine: the adapter logs its version and API when it first talks
// to it; an engine that is not there yet is said plainly (the service runs and answers 503 until it is).
async function reportEngine(app: INestApplication, logger: Logger): Promise<void> {
  try {
    await app.get<ContainerEngine>(CONTAINER_ENGINE).version();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn(`engine not reachable yet: ${reason} Requests that need it answer 503 until it is.`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `switchyard: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
