import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from './engine-cleanup';
import { RUN_ID } from './names';

const RUN_FOLDER = /^switchyard-run-(\d+)$/;

// A temporary folder inside the run's own one (`$TMPDIR/switchyard-run-<run>`): what a killed run
// leaves is found and removed by the next run's global setup.
export function runTempDir(prefix: string): string {
  const root = join(tmpdir(), `switchyard-run-${RUN_ID}`);
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}

// Removes the temporary folders of runs whose process is gone.
export function removeDeadRunFolders(): void {
  for (const name of readdirSync(tmpdir())) {
    const run = RUN_FOLDER.exec(name)?.[1];
    if (run && !alive(Number(run))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

// Removes this run's folder (global teardown).
export function removeRunFolder(run: string): void {
  rmSync(join(tmpdir(), `switchyard-run-${run}`), { recursive: true, force: true });
}
