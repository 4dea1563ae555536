import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const entry = path.join(root, 'dist', 'src', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = statSync(full);
    if (stat.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (name.endsWith('.ts')) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/ holds a build of the current sources, server, seed loader and bench helpers
 * alike (CI builds before testing; locally the
 * first server-level test compiles once). tsc emits even when other work in progress has type
 * errors, so only a missing entry point fails.
 */
export function ensureBuilt(): void {
  const newest = Math.max(...['src', 'seed', 'bench'].map((dir) => newestSource(path.join(root, dir))));
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest) return warmValidatorCache();
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch {
    // type errors elsewhere still leave an emitted build behind
  }
  if (!existsSync(entry)) throw new Error('the build produced no dist/src/main.js');
  warmValidatorCache();
}

/**
 * What `npm run build` does after tsc: the built code's schema validator into its disk cache (a
 * no-op when there), so that the servers the suites spawn load it instead of each compiling it.
 */
function warmValidatorCache(): void {
  const script = "require('./dist/src/fhir/validation/schema-cache').loadSchemaValidator()";
  execFileSync(process.execPath, ['-e', script], { cwd: root, stdio: 'pipe' });
}
