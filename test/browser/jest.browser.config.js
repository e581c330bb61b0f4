// `npm run test:browser`: Swagger UI in Debian's Chromium, driven by playwright-core. Same transform and
// database set-up as the e2e project of ../../jest.config.js; run by .ci/run after `npm test`.
const { join } = require('node:path');
const base = require('../../jest.config.js');
const e2e = base.projects.find((p) => p.displayName === 'e2e');

module.exports = {
  ...e2e,
  rootDir: join(__dirname, '..', '..'),
  displayName: 'browser',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  maxWorkers: 1,
  testTimeout: 120000,
  globalSetup: base.globalSetup,
  globalTeardown: base.globalTeardown,
};
