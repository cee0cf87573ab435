// Nest 12 and a few of Fastify's dependencies ship ESM only; Jest on Node 20 cannot load ESM from
// node_modules, so swc compiles those packages to CommonJS along with our TypeScript.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// Packages to compile, matched on the package that directly contains the file (nested
// node_modules included).
const esmPackages = [
  '@nestjs',
  'cookie',
  'content-disposition',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
];
const transformIgnorePatterns = [
  `/node_modules/(?!(${esmPackages.join('|')})/)(?:@[^/]+/)?[^/]+/(?!node_modules/)`,
];

const common = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/nest-log-levels.ts'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    // The e2e suite once per test engine (scripts/test-engines.sh): `--selectProjects e2e-20`
    // runs one of them.
    ...Object.entries({ 'e2e-20': 'e20', 'e2e-26': 'e26' }).map(([displayName, engine]) => ({
      ...common,
      displayName,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      // Files that test a page, not the engine, and the read model's engine restart (one
      // restartable engine, e26r) run once: in the e2e-26 project.
      testPathIgnorePatterns:
        engine === 'e26'
          ? []
          : [
              '/test/e2e/ide-browser\\.e2e-spec\\.ts$',
              '/test/e2e/live-graphql-ide\\.e2e-spec\\.ts$',
              '/test/e2e/ui-browser\\.e2e-spec\\.ts$',
              '/test/e2e/read-model-restart\\.e2e-spec\\.ts$',
              '/test/e2e/topology-svg-browser\\.e2e-spec\\.ts$',
            ],
      globalSetup: `<rootDir>/test/support/global-setup-${engine}.ts`,
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      globals: { SWITCHYARD_TEST_ENGINE: engine },
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeouts.ts'],
      slowTestThreshold: 30,
    })),
  ],
  maxWorkers: 2,
};
