/**
 * Writes the snapshot of every StructureDefinition in profiles/ from its differential (the
 * differential is the source the author edits; the snapshot is generated, never hand-written).
 * Run after editing a profile:  npm run build && node dist/seed/build-profile-snapshots.js
 * A test (test/validation/profiles-snapshot.test.ts) fails when a committed snapshot is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StructureDefinition } from 'fhir/r4';
import { profilesDirectory } from '../src/fhir/definitions/structure-definitions';
import { withSnapshot } from '../src/fhir/validation/profile/snapshot';

function main(): void {
  const dir = profilesDirectory();
  if (!dir) throw new Error('profiles/ not found next to package.json');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    const sd = JSON.parse(readFileSync(file, 'utf8')) as StructureDefinition;
    if (sd.resourceType !== 'StructureDefinition' || !sd.differential) continue;
    const built = withSnapshot(sd);
    writeFileSync(file, `${JSON.stringify(built, null, 2)}\n`);
    console.log(`${name}: ${built.snapshot?.element.length ?? 0} snapshot elements`);
  }
}

main();
