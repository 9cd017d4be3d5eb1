// The fault suite (`npm run test:faults`): real processes, real PostgreSQL and Redis, faults made for real (see
// test/support/fault-services.ts). The same transform as the main suite; one file at a time, since the tests
// stop and start services and time recoveries, and two of them at once on 2 cores would measure each other.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: '\\.fault-spec\\.ts$',
  testPathIgnorePatterns: ['/node_modules/'],
  // Each spec makes its own databases, Redis servers and clusters and removes them (fault-services.ts).
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 90_000,
  maxWorkers: 1,
};
