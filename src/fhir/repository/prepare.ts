import type { Meta, OperationOutcomeIssue, Resource } from 'fhir/r4';
import { limitsOf } from '../limits';
import { badRequest, unprocessable } from '../outcome';
import type { FhirContext } from '../request';
import { isError, validateResource } from '../validation';

/**
 * Checks the shape of an incoming resource against the URL and validates it. Returns a copy
 * with server-managed meta removed (meta.versionId and meta.lastUpdated are the server's) and
 * the issues found (warnings, or errors accepted in `warn` mode).
 */
export function prepareIncoming(
  ctx: Pick<FhirContext, 'settings'>,
  type: string,
  input: unknown,
  id: string,
): { resource: Resource; issues: OperationOutcomeIssue[] } {
  assertResourceShape(input);
  if (input.resourceType !== type) {
    throw badRequest(`Resource type '${String(input.resourceType)}' does not match the URL type '${type}'`, [
      `${String(input.resourceType)}.resourceType`,
    ]);
  }
  const resource = { ...input, id } as Resource;
  if (resource.meta) {
    const meta: Meta = { ...resource.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    delete meta._versionId;
    delete meta._lastUpdated;
    if (Object.keys(meta).length > 0) resource.meta = meta;
    else delete resource.meta;
  }
  const issues = validateResource(resource, limitsOf(ctx.settings).validationMaxIssues);
  if (ctx.settings.validationMode === 'reject' && issues.some(isError)) throw unprocessable(issues);
  return { resource, issues };
}

/** A body that is not even a JSON object with a resourceType is a 400 (bad request), not a 422. */
export function assertResourceShape(input: unknown): asserts input is Record<string, unknown> & { resourceType: unknown } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('The request body must be a FHIR resource (a JSON object)');
  }
  if (typeof (input as { resourceType?: unknown }).resourceType !== 'string') {
    throw badRequest('The request body has no resourceType');
  }
}

/** A copy with the server-owned meta of a new version, laid out resourceType, id, meta, rest. */
export function stampMeta(resource: Resource, versionId: number, lastUpdated: string): Resource {
  const { resourceType, id, meta, ...rest } = resource;
  return { resourceType, id, meta: { versionId: String(versionId), lastUpdated, ...meta }, ...rest } as Resource;
}
