import { TEST_PREFIX } from './constants';

// A prefix unique to one test file in one run: `syt-<file>-<random>-`.
export function runPrefix(file: string): string {
  const random = Math.random().toString(36).slice(2, 7);
  return `${TEST_PREFIX}${file}-${random}-`;
}
