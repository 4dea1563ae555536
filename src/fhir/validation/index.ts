import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { validateProfiles } from './profile';
import { validateSchema } from './schema';

export { warmUpSchemaValidator } from './schema';

/**
 * Every issue of `resource`: JSON-schema structure first; profile rules (cardinality, bindings,
 * invariants, meta.profile) only on structurally valid content, whose shape they rely on.
 */
export function validateResource(resource: Resource): OperationOutcomeIssue[] {
  const structural = validateSchema(resource);
  if (structural.some(isError)) return structural;
  return [...structural, ...validateProfiles(resource)];
}

export const isError = (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';
