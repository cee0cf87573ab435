import { TEST_IMAGE } from './constants';
import { cleanupEngine, docker } from './engine';

// Fails early, with the fix, when the engine the e2e tests need is not there; removes what a
// crashed earlier run left behind.
export default async function globalSetup(): Promise<void> {
  const hint = 'Run `bash scripts/engine-up.sh --test-fixtures` (npm test does it for you).';
  try {
    await docker.ping();
  } catch {
    throw new Error(`No Docker engine answers at /var/run/docker.sock. ${hint}`);
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`The test image ${TEST_IMAGE} is missing. ${hint}`);
  }
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  if (info.Swarm?.LocalNodeState !== 'active') throw new Error(`The engine is not in swarm mode. ${hint}`);
  await cleanupEngine();
}
