import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * The real-world data beside the repository (`../shared/data`): HL7's official R4 examples and
 * Synthea patient bundles. Tests and benchmarks read the gzip files in place; nothing is copied
 * into the repository. SHARED_DATA_DIR overrides the location.
 */
function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    // tsconfig.json, not package.json: the build copies package.json into dist/
    if (existsSync(path.join(dir, 'tsconfig.json')) && existsSync(path.join(dir, 'src'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('shared-data: repository root not found');
}

export function sharedDataDir(): string {
  return process.env.SHARED_DATA_DIR ?? path.resolve(repoRoot(), '..', 'shared', 'data');
}

export const hasSharedData = (): boolean => existsSync(path.join(sharedDataDir(), 'hl7', 'r4-examples.json.gz'));

export function readGzipJson<T>(file: string): T {
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as T;
}

export interface Hl7Example {
  file: string;
  resource: { resourceType: string; id?: string; [key: string]: unknown };
}

/** HL7 FHIR R4 4.0.1 examples (hl7.fhir.r4.examples), as `{file, resource}`. */
export function hl7Examples(): Hl7Example[] {
  return readGzipJson<Hl7Example[]>(path.join(sharedDataDir(), 'hl7', 'r4-examples.json.gz'));
}

/**
 * Synthea bundle files in load order: the `0-…Information…` batch Bundles (organizations and
 * practitioners the 2021 patients reference conditionally) first, then the patient transactions.
 */
export function syntheaFiles(): string[] {
  const dir = path.join(sharedDataDir(), 'synthea');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => path.join(dir, f));
}
