import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { type AppConfig, loadConfig } from '../../src/config/app-config';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  config: AppConfig;
  databasePath: string;
  gql: (query: string, variables?: Record<string, unknown>) => request.Test;
  close: () => Promise<void>;
}

// Boots the real application (real engine, a real SQLite file with the real migrations) with
// the same factory as main.ts.
export async function startApp(
  overrides: Partial<AppConfig> = {},
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const databasePath = join(dir, 'switchyard.sqlite');
  const config = loadConfig({}, { DATABASE_PATH: databasePath, LOG_LEVEL: 'silent', ...overrides });
  const app = await createApp(config, options);
  const http = request(app.getHttpServer());
  const gql = (query: string, variables?: Record<string, unknown>) =>
    request(app.getHttpServer())
      .post('/graphql')
      .set('content-type', 'application/json')
      .send({ query, variables });
  return {
    app,
    http,
    config,
    databasePath,
    gql,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
