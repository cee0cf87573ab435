import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BUILD_STAMP,
  buildState,
  dependencyState,
  sourceHash,
  writeBuildStamp,
} from '../../scripts/lib/serve-state.mjs';

// A project folder of its own per test: the decisions read only files.
function project(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'serve-state-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const pkg = (version: string, extra: Record<string, unknown> = {}) => ({
  version,
  integrity: `sha512-${version}`,
  ...extra,
});

const lock = {
  name: 'p',
  lockfileVersion: 3,
  packages: {
    '': { name: 'p', dependencies: { a: '1.0.0' } },
    'node_modules/a': pkg('1.0.0'),
    'node_modules/a/node_modules/b': pkg('2.0.0'),
    'node_modules/fsevents': pkg('2.3.3', { optional: true, os: ['darwin'] }),
  },
};
// What npm records in node_modules after installing that lock on Linux (no root entry, no fsevents).
const installed = {
  name: 'p',
  lockfileVersion: 3,
  packages: { 'node_modules/a': pkg('1.0.0'), 'node_modules/a/node_modules/b': pkg('2.0.0') },
};
const onDisk = {
  'node_modules/a/package.json': '{}',
  'node_modules/a/node_modules/b/package.json': '{}',
};

describe('npm run serve: when npm ci is needed', () => {
  const roots: string[] = [];
  const make = (files: Record<string, unknown>) => {
    const root = project(files);
    roots.push(root);
    return root;
  };
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('skips it when node_modules holds what the lock names (optional packages of other platforms absent)', () => {
    const state = dependencyState(
      make({ 'package-lock.json': lock, 'node_modules/.package-lock.json': installed, ...onDisk }),
    );
    expect(state).toEqual({ current: true, reason: 'node_modules matches package-lock.json' });
  });

  it('runs it without node_modules, or without npm install record', () => {
    expect(dependencyState(make({ 'package-lock.json': lock }))).toEqual({
      current: false,
      reason: 'node_modules is missing',
    });
    expect(dependencyState(make({ 'package-lock.json': lock, ...onDisk })).current).toBe(false);
  });

  it('runs it when a locked version differs, a package is missing or extra, or a folder was removed', () => {
    const changed = { ...lock, packages: { ...lock.packages, 'node_modules/a': pkg('1.1.0') } };
    expect(
      dependencyState(
        make({ 'package-lock.json': changed, 'node_modules/.package-lock.json': installed, ...onDisk }),
      ),
    ).toEqual({
      current: false,
      reason: 'node_modules/a is 1.0.0 in node_modules, 1.1.0 in package-lock.json',
    });
    const added = { ...lock, packages: { ...lock.packages, 'node_modules/c': pkg('3.0.0') } };
    expect(
      dependencyState(
        make({ 'package-lock.json': added, 'node_modules/.package-lock.json': installed, ...onDisk }),
      ).reason,
    ).toBe('node_modules/c is not installed');
    const extra = { ...installed, packages: { ...installed.packages, 'node_modules/d': pkg('1.0.0') } };
    expect(
      dependencyState(
        make({ 'package-lock.json': lock, 'node_modules/.package-lock.json': extra, ...onDisk }),
      ).reason,
    ).toBe('node_modules/d is installed but not in package-lock.json');
    expect(
      dependencyState(
        make({
          'package-lock.json': lock,
          'node_modules/.package-lock.json': installed,
          'node_modules/a/package.json': '{}',
        }),
      ).reason,
    ).toBe('node_modules/a/node_modules/b was removed from node_modules');
  });

  it('runs it when the integrity differs at the same version (a re-published or patched package)', () => {
    const patched = {
      ...lock,
      packages: { ...lock.packages, 'node_modules/a': pkg('1.0.0', { integrity: 'x' }) },
    };
    expect(
      dependencyState(
        make({ 'package-lock.json': patched, 'node_modules/.package-lock.json': installed, ...onDisk }),
      ).current,
    ).toBe(false);
  });
});

describe('npm run serve: when the build is needed', () => {
  const sources = {
    'src/main.ts': 'main',
    'src/a/b.ts': 'b',
    'migrations/1-Init.ts': 'init',
    'tsconfig.json': '{}',
    'package.json': '{}',
    'package-lock.json': '{}',
    'README.md': 'docs',
  };
  let root: string;
  beforeEach(() => (root = project(sources)));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const built = () => {
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(join(root, 'dist', 'main.js'), '');
    writeBuildStamp(root, sourceHash(root));
  };

  it('builds when there is no build, or a build without a stamp', () => {
    expect(buildState(root)).toMatchObject({ current: false, reason: 'dist/main.js is missing' });
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'main.js'), '');
    expect(buildState(root).reason).toMatch(/^dist\/ has no build stamp/);
  });

  it('skips the build when the stamped sources are unchanged, whatever their timestamps', () => {
    built();
    utimesSync(join(root, 'src', 'main.ts'), new Date(), new Date(Date.now() + 60_000));
    expect(buildState(root)).toEqual({
      current: true,
      hash: sourceHash(root),
      reason: 'the sources are unchanged since the last build',
    });
    expect(buildState(root).hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a source changes', 'src/a/b.ts', 'b2'],
    ['a source is added', 'src/a/c.ts', 'c'],
    ['a migration changes', 'migrations/1-Init.ts', 'init2'],
    ['the lock changes', 'package-lock.json', '{"x":1}'],
    ['a tsconfig changes', 'tsconfig.json', '{"compilerOptions":{}}'],
  ])('builds when %s', (_what, path, content) => {
    built();
    writeFileSync(join(root, path), content);
    expect(buildState(root)).toMatchObject({
      current: false,
      reason: 'the sources changed since the last build',
    });
  });

  it('builds when a source is removed or renamed, and ignores files that are not build inputs', () => {
    built();
    writeFileSync(join(root, 'README.md'), 'other docs');
    expect(buildState(root).current).toBe(true);
    rmSync(join(root, 'src', 'a', 'b.ts'));
    writeFileSync(join(root, 'src', 'a', 'renamed.ts'), 'b');
    expect(buildState(root).current).toBe(false);
  });

  it('keeps the stamp in dist/ (a build that deletes dist/ deletes it too)', () => {
    built();
    rmSync(join(root, 'dist', BUILD_STAMP));
    expect(buildState(root).current).toBe(false);
  });
});
