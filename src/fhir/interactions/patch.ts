import type { Resource } from 'fhir/r4';
import { badRequest, FhirError, issue } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { readResource } from '../repository/read';
import { updateResource } from '../repository/write';
import { criteriaFromQuery, singleMatch } from './conditional';
import { applyPatch, parsePatchDocument } from './json-patch';
import { ifMatchVersion, writeResponse } from './respond';
import { notFound } from '../outcome';

const JSON_PATCH = 'application/json-patch+json';

/** patch: PATCH [type]/[id] with a JSON Patch document; the result is re-validated. */
export async function patch(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const operations = parseOperations(req);
  const ifMatch = ifMatchVersion(req);
  const current = await readResource(ctx, type, id, { interaction: 'patch' });
  if (ifMatch !== undefined && ifMatch !== current.versionId) {
    throw new FhirError(412, [issue('error', 'conflict', `If-Match W/"${ifMatch}" does not match the current version W/"${current.versionId}"`)]);
  }
  const patched = applyPatch(current.resource, operations) as Resource;
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
  parseOperations(req);
  const match = await singleMatch(ctx, type, criteriaFromQuery(req), 'patch');
  if (!match) throw notFound(`No ${type} matches the patch criteria`);
  return patch(req, ctx, type, match._id);
}

function parseOperations(req: FhirRequest) {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType && contentType !== JSON_PATCH) {
    throw new FhirError(415, [issue('error', 'not-supported', `PATCH accepts ${JSON_PATCH} only (FHIRPath Patch is not supported)`)]);
  }
  return parsePatchDocument(req.body);
}
