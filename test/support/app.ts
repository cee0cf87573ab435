import type { AppConfig } from '../../src/config/app-config';
import { ENGINE_HOST } from './engines';
import { bootTestApp, type TestApp } from './test-app';

export { startAppOn, TEST_ADMIN_KEY, type TestApp } from './test-app';

// Boots the real application (the engine under test, a real SQLite file with the real
// migrations) with the same factory as main.ts.
export function startApp(
  overrides: Partial<AppConfig> = {},
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  return bootTestApp({ DOCKER_HOST: ENGINE_HOST, ...overrides }, options);
}
