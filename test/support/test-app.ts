import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import type { ContainerEngine } from '../../src/engine/engine.port';
import { runTempDir } from './temp';

// How long booting the app (and what a suite sets up with it) may take: seconds on a quiet
// machine, several times that on a busy one.
export const BOOT_TIMEOUT_MS = 60_000;

// The admin key every test app is seeded with (ADMIN_API_KEY).
export const TEST_ADMIN_KEY = 'sy_test_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestApp {
  app: NestFastifyApplication;
  // Requests with the admin key.
  http: TestAgent;
  // Requests without any key.
  anon: TestAgent;
  // Requests with another key.
  as: (key: string) => TestAgent;
  config: AppConfig;
  databasePath: string;
  gql: (query: string, variables?: Record<string, unknown>, key?: string | null) => request.Test;
  close: () => Promise<void>;
}

// Boots the real application (a real SQLite file with the real migrations) with the same factory
// as main.ts, on the engine that DOCKER_HOST names or on another implementation of the port.
export async function bootTestApp(
  overrides: Partial<AppConfig> = {},
  options: { logStream?: NodeJS.WritableStream; engine?: ContainerEngine } = {},
): Promise<TestApp> {
  const dir = runTempDir('app-');
  const databasePath = join(dir, 'switchyard.sqlite');
  const config = loadConfig(
    {},
    {
      DATABASE_PATH: databasePath,
      LOG_LEVEL: 'silent',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      // Tests send many requests quickly; the rate limit has tests of its own.
      RATE_LIMIT_PER_SECOND: 10000,
      RATE_LIMIT_BURST: 10000,
      MAX_IN_FLIGHT_PER_KEY: 1000,
      ...overrides,
    },
  );
  const app = await createApp(config, options);
  const server = app.getHttpServer();
  const as = (key: string) => request.agent(server).set('authorization', `Bearer ${key}`);
  const gql = (
    query: string,
    variables?: Record<string, unknown>,
    key: string | null = config.ADMIN_API_KEY ?? null,
  ) => {
    const test = request(server).post('/graphql').set('content-type', 'application/json');
    if (key) void test.set('authorization', `Bearer ${key}`);
    return test.send({ query, variables });
  };
  return {
    app,
    http: as(config.ADMIN_API_KEY ?? ''),
    anon: request.agent(server),
    as,
    config,
    databasePath,
    gql,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The real application on an in-memory engine (test/support/memory-engine.ts): the unit tests'
// way to run the services' rules through both transports without Docker.
export function startAppOn(
  engine: ContainerEngine,
  overrides: Partial<AppConfig> = {},
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  // No engine is ever contacted at DOCKER_HOST: the port is the in-memory one.
  return bootTestApp(
    { DOCKER_HOST: 'unix:///nonexistent/memory-engine.sock', ...overrides },
    { ...options, engine },
  );
}
