import Docker from 'dockerode';
import { NOPING_IMAGE, TEST_IMAGE } from './constants';
import { removeLeftovers } from './engine-cleanup';
import { detectOnce } from './engine-features';
import { engineSocket, isTestEngineName } from './engine-sockets';

// Runs once per e2e project (one project per engine): fails early, with the fix, when the engine
// is not there; removes what a crashed earlier run left behind; finds out what the engine does.
export default async function globalSetup(
  _global: unknown,
  project: { globals: Record<string, unknown> },
): Promise<void> {
  // One id for the whole run, shared by both projects and inherited by the workers.
  process.env.SWITCHYARD_TEST_RUN ??= String(process.pid);
  const engine = project.globals.SWITCHYARD_TEST_ENGINE;
  if (!isTestEngineName(engine)) throw new Error(`unknown test engine ${String(engine)}`);
  const hint = 'Run `bash scripts/test-engines.sh up` (npm test does it for you).';
  const socket = engineSocket(engine);
  const docker = new Docker({ socketPath: socket });
  try {
    await docker.ping();
  } catch {
    throw new Error(`The test engine ${engine} does not answer at ${socket}. ${hint}`);
  }
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
  await detectOnce(engine, docker);
}
