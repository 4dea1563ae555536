import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { assertResourceAccess, assertTypeAccess } from '../access/enforce';
import { badRequest, issue, outcome } from '../outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../request';
import type { ResourceDocument } from '../resource-document';
import { limitsOf } from '../limits';
import { isError } from '../validation';
import { capIssues, isStoppedIssue } from '../validation/limits';
import { validateSchema } from '../validation/schema';
import { validateProfiles } from '../validation/profile';

/**
 * [type]/$validate and [type]/[id]/$validate (hl7.org/fhir/R4/resource-operation-validate.html).
 * Input: a resource body, or Parameters with `resource`, `mode` (create | update | delete) and
 * `profile`. Output: 200 with an OperationOutcome listing every issue — or one informational
 * issue when there is none. Nothing is written.
 * - the resource goes through the same chain as a write (JSON schema, then the base definition
 *   and every known meta.profile), plus the requested `profile` and HL7 best-practice
 *   invariants (e.g. dom-6, narrative), which writes do not report;
 * - mode=update needs the resource id (equal to the URL id when one is given);
 * - mode=delete needs an existing resource [type]/[id] and no resource body.
 */
const MODES = new Set(['create', 'update', 'delete']);

function single(call: OperationCall, name: string): unknown {
  const values = call.parameters.get(name) ?? [];
  if (values.length > 1) throw badRequest(`$validate takes at most one '${name}' parameter`, ['Parameters.parameter']);
  return values[0];
}

function stringParameter(call: OperationCall, name: string): string | undefined {
  const value = single(call, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`$validate parameter '${name}' must be a non-empty string`, ['Parameters.parameter']);
  return value;
}

async function validateDelete(call: OperationCall, ctx: FhirContext, type: string): Promise<OperationOutcomeIssue[]> {
  if (!call.id) throw badRequest('$validate with mode=delete is invoked on an instance: [type]/[id]/$validate');
  const doc = await ctx.store.collection<ResourceDocument>(type).findOne({ _id: call.id }, { session: ctx.session });
  if (!doc || doc.deleted || !doc.resource) {
    return [issue('error', 'not-found', `${type}/${call.id} does not exist: there is nothing to delete`, [type])];
  }
  assertResourceAccess(ctx.access, 'read', type, doc);
  return [];
}

function modeIssues(mode: string | undefined, resource: Resource, call: OperationCall, type: string): OperationOutcomeIssue[] {
  if (mode !== 'update') return [];
  if (!resource.id) return [issue('error', 'required', 'mode=update: the resource must carry its id', [`${type}.id`])];
  if (call.id && resource.id !== call.id) {
    return [issue('error', 'invalid', `mode=update: the resource id '${resource.id}' differs from the id in the URL '${call.id}'`, [`${type}.id`])];
  }
  return [];
}

/**
 * The issues of validateResource (schema, then profiles), then those only $validate reports
 * (requested profile, best practice), without repeats; at most `maxIssues`, as on writes.
 */
function resourceIssues(resource: Resource, profile: string | undefined, maxIssues: number): OperationOutcomeIssue[] {
  const structural = validateSchema(resource, maxIssues);
  // profile rules run on structurally valid content only, as on writes
  if (structural.some(isError)) return structural;
  const issues = [...structural, ...validateProfiles(resource, { maxIssues })];
  if (issues.some(isStoppedIssue)) return issues;
  const key = (i: OperationOutcomeIssue) => `${i.severity}|${i.code}|${(i.expression ?? []).join()}|${i.diagnostics ?? ''}`;
  const seen = new Set(issues.map(key));
  for (const extra of validateProfiles(resource, { profiles: profile ? [profile] : [], bestPractice: true, maxIssues })) {
    if (!seen.has(key(extra))) {
      seen.add(key(extra));
      issues.push(extra);
    }
  }
  return capIssues(issues, maxIssues);
}

async function validate(call: OperationCall, ctx: FhirContext) {
  const type = call.resourceType;
  if (!type) throw badRequest('$validate is invoked on a resource type or instance');
  assertTypeAccess(ctx.access, 'operation', type);
  const mode = stringParameter(call, 'mode');
  if (mode !== undefined && !MODES.has(mode)) throw badRequest(`$validate mode '${mode}' is not supported (create, update or delete)`, ['Parameters.parameter']);
  const profile = stringParameter(call, 'profile');
  const resource = single(call, 'resource') as Resource | undefined;

  let issues: OperationOutcomeIssue[];
  if (mode === 'delete') {
    issues = await validateDelete(call, ctx, type);
  } else {
    if (resource === undefined) throw badRequest('$validate needs the resource: send it as the body or as the `resource` parameter');
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
      throw badRequest('The `resource` parameter of $validate must be a resource');
    }
    if (resource.resourceType !== type) throw badRequest(`$validate on ${type} received a ${resource.resourceType}`, ['resourceType']);
    issues = [...modeIssues(mode, resource, call, type), ...resourceIssues(resource, profile, limitsOf(ctx.settings).validationMaxIssues)];
  }
  const body = outcome(issues.length > 0 ? issues : [issue('information', 'informational', 'Validation successful: no issues detected')]);
  return { status: 200, body };
}

export const validateOperation: OperationDefinitionRef = {
  name: 'validate',
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  resourceTypes: [],
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  documentation: 'Validates a resource (schema, base definition, meta.profile and the `profile` parameter) without storing it',
  handler: validate,
};
