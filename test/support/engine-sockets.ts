// The engines the e2e suite runs against: scripts/test-engines.sh starts them, each in a network
// namespace of its own. The suite never talks to the engine at /var/run/docker.sock.
export const ENGINE_RUN_DIR = '/run/switchyard-test';

export const TEST_ENGINES = ['e20', 'e26'] as const;
export type TestEngineName = (typeof TEST_ENGINES)[number];

export function isTestEngineName(value: unknown): value is TestEngineName {
  return TEST_ENGINES.includes(value as TestEngineName);
}

export const engineSocket = (name: string) => `${ENGINE_RUN_DIR}/${name}.sock`;

// The engine one test stops and starts again mid-stream (scripts/test-engines.sh stop-engine /
// start-engine): no other test uses it.
export const RESTARTABLE_ENGINE = 'e26r';
