import type { Resource } from 'fhir/r4';
import { badRequest, FhirError, issue } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { readResource } from '../repository/read';
import { updateResource } from '../repository/write';
import { criteriaFromQuery, singleMatch } from './conditional';
import { applyFhirPathPatch } from './fhirpath-patch';
import { isFhirPathPatch, parseFhirPathPatch } from './fhirpath-patch-parse';
import { applyPatch, parsePatchDocument } from './json-patch';
import { ifMatchVersion, writeResponse } from './respond';
import { notFound } from '../outcome';

const JSON_PATCH = 'application/json-patch+json';

/** patch: PATCH [type]/[id] with a JSON Patch or a FHIRPath Patch document; the result is re-validated. */
export async function patch(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const document = parseDocument(req);
  const ifMatch = ifMatchVersion(req);
  const current = await readResource(ctx, type, id, { interaction: 'patch' });
  if (ifMatch !== undefined && ifMatch !== current.versionId) {
    throw new FhirError(412, [issue('error', 'conflict', `If-Match W/"${ifMatch}" does not match the current version W/"${current.versionId}"`)]);
  }
  const patched = document.kind === 'json-patch' ? (applyPatch(current.resource, document.operations) as Resource) : applyFhirPathPatch(current.resource, document.operations);
  if (!patched || typeof patched !== 'object' || patched.resourceType !== type || patched.id !== id) {
    throw badRequest('A patch may not change the resourceType or id of a resource');
  }
  const { doc, issues } = await updateResource(ctx, type, id, patched, {
    ifMatch,
    baseVersion: current.versionId,
    interaction: 'patch',
  });
  return writeResponse(req, ctx, type, doc, 200, issues, `Patched ${type}/${id}`);
}

/** conditional patch: PATCH [type]?criteria (0 → 404, 1 → patch it, >1 → 412). */
export async function conditionalPatch(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  parseDocument(req);
  const match = await singleMatch(ctx, type, criteriaFromQuery(req), 'patch');
  if (!match) throw notFound(`No ${type} matches the patch criteria`);
  return patch(req, ctx, type, match._id);
}

const FHIR_JSON_TYPES: ReadonlySet<string> = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);

/**
 * The patch document by its media type (http.html#patch): `application/json-patch+json` is a JSON
 * Patch; FHIR JSON holding a Parameters resource is a FHIRPath Patch (fhirpatch.html). A JSON
 * array sent as plain `application/json` is read as the JSON Patch it can only be.
 */
function parseDocument(req: FhirRequest) {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType === JSON_PATCH || (contentType === 'application/json' && Array.isArray(req.body))) {
    return { kind: 'json-patch' as const, operations: parsePatchDocument(req.body) };
  }
  if (FHIR_JSON_TYPES.has(contentType) || (contentType === '' && isFhirPathPatch(req.body))) {
    return { kind: 'fhirpath-patch' as const, operations: parseFhirPathPatch(req.body) };
  }
  if (contentType === '') return { kind: 'json-patch' as const, operations: parsePatchDocument(req.body) };
  throw new FhirError(415, [issue('error', 'not-supported', `PATCH accepts ${JSON_PATCH} (JSON Patch) or application/fhir+json (a FHIRPath Patch Parameters resource), not ${contentType}`)]);
}
