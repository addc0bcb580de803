#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx wakil` works without a build step.
require('tsx/cjs');
require('../src/cli/index.ts');
