import 'reflect-metadata';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type INestApplication, Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { CLOSE_BUDGET_MS, GracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { CONTAINER_ENGINE, type ContainerEngine } from './engine/engine.port';
import { LiveEvents } from './live/live-events';
import { TemplateRuntime } from './templates/apply/template-runtime';

// Exit code for a configuration error (sysexits EX_CONFIG).
const EXIT_CONFIG = 78;
// Exit code when the port is taken by another process (EX_UNAVAILABLE).
const EXIT_ADDRESS_IN_USE = 69;

// SIGTERM and SIGINT stop the service gracefully (src/common/lifecycle/graceful-shutdown.ts) and
// end the process with code 0; a stop that outlasts SHUTDOWN_GRACE_MS plus the time to close, or
// a second signal, ends it with code 1.
function stopOnSignals(app: INestApplication, config: AppConfig, logger: Logger): void {
  const shutdown = new GracefulShutdown(
    app,
    {
      closeStreams: (reason) => app.get(LiveEvents).closeAll(reason),
      interruptDeployments: () => app.get(TemplateRuntime).interruptRunning(),
    },
    { graceMs: config.SHUTDOWN_GRACE_MS, databasePath: config.DATABASE_PATH, log: logger },
  );
  const stop = (signal: NodeJS.Signals) => {
    const started = performance.now();
    const deadlineMs = config.SHUTDOWN_GRACE_MS + CLOSE_BUDGET_MS;
    process.once(signal, () => {
      process.stderr.write(`switchyard: ${signal} again while stopping, exiting at once\n`);
      process.exit(1);
    });
    setTimeout(() => {
      process.stderr.write(`switchyard: not stopped after ${deadlineMs} ms, exiting\n`);
      process.exit(1);
    }, deadlineMs).unref();
    shutdown.run(signal).then(
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
  stopOnSignals(app, config, logger);
  logger.log(`database ${config.DATABASE_PATH === ':memory:' ? ':memory:' : resolve(config.DATABASE_PATH)}`);
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // Taken between the check above and now.
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    exitPortTaken(config.PORT, config.HOST);
  }
  logger.log(`listening on http://${config.HOST}:${config.PORT} (${servedPaths(config)})`);
  await reportEngine(app, logger);
}

// What the start-up line lists: where each interface is (metrics only when METRICS serves them).
function servedPaths(config: AppConfig): string {
  return [
    'REST /api/v1',
    'event streams (SSE) /api/v1/events',
    'GraphQL /graphql (subscriptions over graphql-ws)',
    ...(config.METRICS === 'off' ? [] : ['metrics /metrics']),
    'docs /api/docs',
  ].join(', ');
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
