#!/usr/bin/env node
// Builds dist/ with tsc when the TypeScript sources are here (a clone: `npm run seed` and
// `npm run telefhir` then always run the current code); does nothing where only the built
// entry points ship (the Docker image has dist/ but neither sources nor dev dependencies).
'use strict';
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (!existsSync(path.join(root, 'tsconfig.build.json')) || !existsSync(path.join(root, 'src')))
  process.exit(0);
try {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
