// What `npm run serve` may skip: `npm ci` when node_modules already holds what package-lock.json
// names, and the build when dist/ was built from the sources as they are now. Plain Node (no
// dependencies, no build step): it runs before either exists.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Everything the build reads from the project (besides node_modules, which the lock pins).
export const BUILD_INPUTS = [
  'src',
  'migrations',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.migrations.json',
  'nest-cli.json',
  'package.json',
  'package-lock.json',
];
// Written into dist/ after a successful build: the hash of the inputs it was built from.
export const BUILD_STAMP = '.build-stamp';

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

// npm keeps a record of what it installed in node_modules/.package-lock.json. node_modules is
// current when that record names exactly the packages of package-lock.json, at the same version
// and integrity, and every one of them is still on disk. Optional packages may be absent (those
// for other platforms never install).
export function dependencyState(root) {
  const lock = readJson(join(root, 'package-lock.json'));
  if (!lock?.packages) return { current: false, reason: 'package-lock.json is missing or unreadable' };
  if (!existsSync(join(root, 'node_modules'))) return { current: false, reason: 'node_modules is missing' };
  const installed = readJson(join(root, 'node_modules', '.package-lock.json'));
  if (!installed?.packages) return { current: false, reason: 'node_modules has no npm install record' };
  for (const [path, locked] of Object.entries(lock.packages)) {
    if (path === '') continue;
    const found = installed.packages[path];
    if (!found) {
      if (locked.optional) continue;
      return { current: false, reason: `${path} is not installed` };
    }
    if (found.version !== locked.version || found.integrity !== locked.integrity) {
      return {
        current: false,
        reason: `${path} is ${found.version ?? 'a link'} in node_modules, ${locked.version ?? 'a link'} in package-lock.json`,
      };
    }
  }
  for (const [path, found] of Object.entries(installed.packages)) {
    if (!(path in lock.packages))
      return { current: false, reason: `${path} is installed but not in package-lock.json` };
    if (!found.link && !existsSync(join(root, path, 'package.json'))) {
      return { current: false, reason: `${path} was removed from node_modules` };
    }
  }
  return { current: true, reason: 'node_modules matches package-lock.json' };
}

function filesUnder(root, relative, out) {
  const full = join(root, relative);
  let entries;
  try {
    entries = readdirSync(full, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOTDIR') out.push(relative);
    else if (error.code !== 'ENOENT') throw error;
    return;
  }
  for (const entry of entries) {
    const child = `${relative}/${entry.name}`;
    if (entry.isDirectory()) filesUnder(root, child, out);
    else if (entry.isFile()) out.push(child);
  }
}

// SHA-256 over the path and content of every build input, in a fixed order: the same sources give
// the same hash whatever their timestamps (a checkout, a copy, `touch` change nothing).
export function sourceHash(root, inputs = BUILD_INPUTS) {
  const files = [];
  for (const input of inputs) filesUnder(root, input, files);
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    const content = readFileSync(join(root, file));
    hash.update(`${file}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

// Whether dist/ holds a build of the current sources; `hash` is theirs, to stamp after a build.
export function buildState(root, inputs = BUILD_INPUTS) {
  const hash = sourceHash(root, inputs);
  if (!existsSync(join(root, 'dist', 'main.js')))
    return { current: false, hash, reason: 'dist/main.js is missing' };
  let stamp;
  try {
    stamp = readFileSync(join(root, 'dist', BUILD_STAMP), 'utf8').trim();
  } catch {
    return {
      current: false,
      hash,
      reason: 'dist/ has no build stamp (built by something else than npm run serve)',
    };
  }
  if (stamp !== hash) return { current: false, hash, reason: 'the sources changed since the last build' };
  return { current: true, hash, reason: 'the sources are unchanged since the last build' };
}

export function writeBuildStamp(root, hash) {
  writeFileSync(join(root, 'dist', BUILD_STAMP), `${hash}\n`);
}
