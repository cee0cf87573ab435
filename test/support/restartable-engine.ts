import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { engineSocket, RESTARTABLE_ENGINE } from './engine-sockets';

// The engine a test may stop and start again (e26r, outside swarm mode): its socket, a client,
// and the two steps of a restart, so that a test can change things in between and right after.
export const RESTARTABLE_SOCKET = engineSocket(RESTARTABLE_ENGINE);
export const RESTARTABLE_HOST = `unix://${RESTARTABLE_SOCKET}`;
export const restartableDocker = new Docker({ socketPath: RESTARTABLE_SOCKET });

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'test-engines.sh');
const run = promisify(execFile);

async function engineScript(command: 'stop-engine' | 'start-engine'): Promise<void> {
  await run('bash', [SCRIPT, command, RESTARTABLE_ENGINE], { timeout: 120_000 });
}

// Stops the engine as a host shutdown would: its running containers die with it; its data stays.
export function stopRestartableEngine(): Promise<void> {
  return engineScript('stop-engine');
}

// Starts it again; resolves once it answers.
export function startRestartableEngine(): Promise<void> {
  return engineScript('start-engine');
}
