import Docker from 'dockerode';
import { NOPING_IMAGE, TEST_IMAGE } from './constants';
import { removeLeftovers } from './engine-cleanup';
import { detectOnce } from './engine-features';
import { engineSocket, type TestEngineName } from './engine-sockets';
import { takeRunLock } from './run-lock';
import { removeDeadRunFolders } from './temp';

// Global setup of one e2e project (one per engine; each has a file of its own, since Jest runs a
// global setup module once however many projects name it): fails early, with the fix, when the
// engine is not there; removes what a crashed earlier run left behind; finds out what the engine does.
export async function setUpEngine(engine: TestEngineName): Promise<void> {
  // One id for the whole run, shared by both projects and inherited by the workers.
  const run = (process.env.SWITCHYARD_TEST_RUN ??= String(process.pid));
  const hint = 'Run `bash scripts/test-engines.sh up` (npm test does it for you).';
  const socket = engineSocket(engine);
  const docker = new Docker({ socketPath: socket });
  try {
    await docker.ping();
  } catch {
    throw new Error(`The test engine ${engine} does not answer at ${socket}. ${hint}`);
  }
  await takeRunLock(run);
  for (const image of [TEST_IMAGE, NOPING_IMAGE]) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      throw new Error(`The test image ${image} is missing on engine ${engine}. ${hint}`);
    }
  }
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  if (info.Swarm?.LocalNodeState !== 'active')
    throw new Error(`The test engine ${engine} is not in swarm mode. ${hint}`);
  await removeLeftovers(docker);
  removeDeadRunFolders();
  await detectOnce(engine, docker);
}
