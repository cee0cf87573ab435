import { engineFeatures } from './engine-features';
import { engineSocket, isTestEngineName, type TestEngineName } from './engine-sockets';

// The engine this Jest project runs against: each e2e project sets the global
// SWITCHYARD_TEST_ENGINE (jest.config.js).
function currentEngine(): TestEngineName {
  const name = (globalThis as Record<string, unknown>).SWITCHYARD_TEST_ENGINE;
  if (!isTestEngineName(name)) {
    throw new Error(
      `SWITCHYARD_TEST_ENGINE is ${String(name)}: run the e2e tests through their Jest projects (npm run test:e2e).`,
    );
  }
  return name;
}

export const TEST_ENGINE: TestEngineName = currentEngine();
export const ENGINE_SOCKET = engineSocket(TEST_ENGINE);
// DOCKER_HOST of the engine under test, and of a swarm-less engine of the same version.
export const ENGINE_HOST = `unix://${ENGINE_SOCKET}`;
export const BARE_ENGINE_HOST = `unix://${engineSocket(`${TEST_ENGINE}b`)}`;
// What global setup found the engine under test to do.
export const FEATURES = engineFeatures(TEST_ENGINE);
