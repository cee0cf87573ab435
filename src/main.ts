import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';

// Exit code for a configuration error (sysexits EX_CONFIG).
const EXIT_CONFIG = 78;

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
  await app.listen({ port: config.PORT, host: config.HOST });
  new Logger('Switchyard').log(
    `listening on http://${config.HOST}:${config.PORT} (REST /api/v1, GraphQL /graphql, docs /api/docs)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `switchyard: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
