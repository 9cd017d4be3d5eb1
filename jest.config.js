// Jest runs everything as CommonJS. Nest 12 and several of its dependencies ship ESM only, which Jest's module
// loader cannot require() on Node 20, so @swc/jest also transpiles every `"type": "module"` package found in
// node_modules. The list is built by scanning node_modules (nested ones included) so that a new ESM dependency
// deep in the tree does not break the suite.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(root) {
  const names = new Set();
  const visit = (dir, depth) => {
    if (depth > 6 || !fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const full = path.join(dir, entry);
      if (entry.startsWith('@')) {
        visit(full, depth);
        continue;
      }
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8'));
        if (pkg.type === 'module' && pkg.name) names.add(pkg.name);
      } catch {
        // not a package folder
      }
      visit(path.join(full, 'node_modules'), depth + 1);
    }
  };
  visit(path.join(root, 'node_modules'), 0);
  return [...names];
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const esm = esmPackages(__dirname).map(escape).join('|');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs', ignoreDynamic: true },
    sourceMaps: 'inline',
  },
];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  roots: ['<rootDir>/libs', '<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  // The fault suite (jest.faults.config.js, `npm run test:faults`) runs on its own, one file at a time.
  testPathIgnorePatterns: ['/node_modules/', '\\.fault-spec\\.ts$'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esm})/)`],
  moduleNameMapper: { '^@parley/chat$': '<rootDir>/libs/chat/src/index.ts' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Every wait inside a test has its own deadline; this only bounds a test or hook (an embedded database's start
  // included) on a loaded 2-core machine.
  testTimeout: 90_000,
  maxWorkers: 2,
};
