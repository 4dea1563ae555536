import type { CompartmentDefinition } from 'fhir/r4';
import { readDefinitionFile } from './files';

/**
 * The patient CompartmentDefinition (compartmentdefinition-patient.json): for each resource type,
 * the search parameters whose references place a resource in a patient's compartment.
 */
let patientParams: Map<string, readonly string[]> | undefined;

function load(): Map<string, readonly string[]> {
  const def = readDefinitionFile<CompartmentDefinition>('compartmentdefinition-patient.json');
  const result = new Map<string, readonly string[]>();
  for (const entry of def.resource ?? []) {
    if (entry.param && entry.param.length > 0) result.set(entry.code, Object.freeze([...entry.param]));
  }
  return result;
}

/** Parameter codes linking `type` to the patient compartment; empty when the type is not in it. */
export function patientCompartmentParams(type: string): readonly string[] {
  patientParams ??= load();
  return patientParams.get(type) ?? [];
}
