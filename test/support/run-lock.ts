import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { alive } from './engine-cleanup';
import { ENGINE_RUN_DIR } from './engine-sockets';
import { sleep } from './wait';

// e2e runs on the same test engines take turns: their files use fixed subnets and macvlan
// parents, so two runs at once would trip over each other. The lock names the run that holds it
// (the Jest process id); a run that died without letting go is taken over.
const LOCK = `${ENGINE_RUN_DIR}/e2e-run.lock`;
const OWNER = `${LOCK}/owner`;
const WAIT_MS = 60 * 60_000;

function owner(): string | null {
  try {
    return readFileSync(OWNER, 'utf8').trim();
  } catch {
    return null;
  }
}

export async function takeRunLock(run: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(OWNER, run);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = owner();
    if (holder === run) return;
    // No owner yet: taken a moment ago, or by a run that died before writing its name.
    const orphan =
      holder === null && Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 10_000;
    if (orphan || (holder !== null && !alive(Number(holder)))) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the e2e run ${holder} has held the test engines for an hour`);
    if (!told) {
      process.stderr.write(
        `Waiting for the e2e run ${holder ?? '?'} on the same test engines to finish...\n`,
      );
      told = true;
    }
    await sleep(500);
  }
}

export function releaseRunLock(run: string): void {
  if (owner() === run) rmSync(LOCK, { recursive: true, force: true });
}
