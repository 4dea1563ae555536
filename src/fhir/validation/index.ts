import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { DEFAULT_MAX_ISSUES } from './limits';
import { validateProfiles } from './profile';
import { validateSchema } from './schema';

export { warmUpSchemaValidator } from './schema';
export { DEFAULT_MAX_ISSUES } from './limits';

/**
 * Every issue of `resource`: JSON-schema structure first; profile rules (cardinality, bindings,
 * invariants, meta.profile) only on structurally valid content, whose shape they rely on.
 * At most `maxIssues` issues, then a `too-costly` notice saying validation stopped.
 */
export function validateResource(resource: Resource, maxIssues = DEFAULT_MAX_ISSUES): OperationOutcomeIssue[] {
  const structural = validateSchema(resource, maxIssues);
  if (structural.some(isError)) return structural;
  return [...structural, ...validateProfiles(resource, { maxIssues })];
}

export const isError = (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';
