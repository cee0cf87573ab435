import { TEST_PREFIX } from './constants';

// The Jest run this process belongs to (global setup sets it; workers inherit it): objects of a
// run that still goes on are never taken for leftovers by another run on the same engines.
export const RUN_ID = process.env.SWITCHYARD_TEST_RUN ?? String(process.pid);

// A prefix unique to one test file in one run: `syt-<run>-<file>-<random>-`.
export function runPrefix(file: string): string {
  const random = Math.random().toString(36).slice(2, 7);
  return `${TEST_PREFIX}${RUN_ID}-${file}-${random}-`;
}
