// The image's build stage: writes the production dependencies - `npm prune --omit=dev` of the
// installed tree - to TARGET/node_modules, with package.json and package-lock.json beside them.
//
//   node scripts/image-prune.mjs /prod
//
// Why not `npm prune` in place: node_modules arrives in a COPY layer, and renaming a directory of a
// lower overlay layer fails with EXDEV, so npm copies every package it retires (over a minute for
// the development tools). Here the packages the lockfile marks as development ones are left out of
// a copy in a fresh folder, and `npm prune` there (offline) checks the result and writes npm's
// hidden lockfile.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: node scripts/image-prune.mjs TARGET\n');
  process.exit(2);
}
const started = performance.now();
const offline = ['--offline', '--no-audit', '--no-fund', '--no-update-notifier'];

// What `--omit=dev` drops: the lockfile's packages flagged dev (needed only by the development
// tools; packages that are also optional or peers of production ones are flagged devOptional/peer
// and stay). A package inside a dropped one goes with it.
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const development = new Set(
  Object.entries(lock.packages ?? {})
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true)
    .map(([path]) => path.split('/').join(sep)),
);
if (development.size === 0) {
  process.stderr.write(
    'image-prune: package-lock.json lists no development packages: is it a lockfile v3?\n',
  );
  process.exit(1);
}
const root = process.cwd();

function kept(path) {
  for (let at = path; at.includes(sep); at = at.slice(0, at.lastIndexOf(sep))) {
    if (development.has(at)) return false;
  }
  return true;
}

mkdirSync(target, { recursive: true });
for (const file of ['package.json', 'package-lock.json']) cpSync(file, join(target, file));
cpSync('node_modules', join(target, 'node_modules'), {
  recursive: true,
  verbatimSymlinks: true,
  filter: (source) => kept(relative(root, source)),
});
// package.json links a test-only package (file:test/tools/...): npm reads it to drop it.
cpSync('test', join(target, 'test'), { recursive: true, verbatimSymlinks: true });
execFileSync('npm', ['prune', '--omit=dev', '--ignore-scripts', ...offline], {
  cwd: target,
  stdio: 'inherit',
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `image-prune: ${development.size} development packages left out of ${target}/node_modules (${seconds} s)\n`,
);
