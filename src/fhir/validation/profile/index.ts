import type { OperationOutcomeIssue, Resource } from 'fhir/r4';

/**
 * Profile validation beyond the JSON schema: StructureDefinition cardinality, fixed/pattern values,
 * slicing, required bindings, FHIRPath invariants — against the base definition of the type and
 * every known profile in meta.profile (an unknown profile is a warning).
 * FIRST CUT (contract only): the profile-validation issue replaces this body.
 */
export function validateProfiles(resource: Resource): OperationOutcomeIssue[] {
  void resource;
  return [];
}

/** Canonical URLs of the profiles the server validates against (listed in the CapabilityStatement). */
export function supportedProfiles(resourceType: string): string[] {
  void resourceType;
  return [];
}
