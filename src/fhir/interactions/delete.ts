import { informational } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { etagOf } from '../repository/ids';
import { deleteResource, type DeleteResult } from '../repository/write';
import { criteriaFromQuery, singleMatch } from './conditional';
import { ifMatchVersion, preferredReturn } from './respond';

/**
 * delete: DELETE [type]/[id]. Deleting a missing or already deleted resource succeeds too
 * (R4 http.html#delete): 204, or 200 with an OperationOutcome under Prefer: return=OperationOutcome.
 */
export async function deleteInteraction(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const result = await deleteResource(ctx, type, id, { ifMatch: ifMatchVersion(req) });
  return deleteResponse(req, type, id, result);
}

/** conditional delete: DELETE [type]?criteria (0 → 204, 1 → delete it, >1 → 412). */
export async function conditionalDelete(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const match = await singleMatch(ctx, type, criteriaFromQuery(req), 'delete');
  if (!match) return deleteResponse(req, type, undefined, { outcome: 'missing' });
  const result = await deleteResource(ctx, type, match._id, { ifMatch: ifMatchVersion(req) });
  return deleteResponse(req, type, match._id, result);
}

function deleteResponse(req: FhirRequest, type: string, id: string | undefined, result: DeleteResult): FhirResponse {
  const headers: Record<string, string> = {};
  if (result.outcome === 'deleted' && result.versionId !== undefined) headers.ETag = etagOf(result.versionId);
  if (preferredReturn(req) !== 'OperationOutcome') return { status: 204, headers };
  const message =
    result.outcome === 'deleted'
      ? `Deleted ${type}/${id}`
      : result.outcome === 'already'
        ? `${type}/${id} was already deleted`
        : `No ${type} matched; nothing deleted`;
  return { status: 200, headers, body: informational(message) };
}
