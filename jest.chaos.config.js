/** @type {import('jest').Config} */
// `npm run test:chaos`: the slow fault tests (processes killed, Postgres restarted, long outages).
// Same transform and setup as jest.config.js; one file at a time, since they restart shared things.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/chaos-slow/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 300000,
};
