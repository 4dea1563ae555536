import { badRequest } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { assertResourceShape } from '../repository/prepare';
import { createResource, updateResource } from '../repository/write';
import { criteriaFromQuery, singleMatch } from './conditional';
import { ifMatchVersion, ifNoneMatchCondition, writeResponse } from './respond';

/**
 * update: PUT [type]/[id]; create-on-update with the client's id; If-Match → 412 on mismatch;
 * If-None-Match: * → 412 when the resource exists (create only).
 */
export async function update(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const ifMatch = ifMatchVersion(req);
  const ifNoneMatch = ifNoneMatchCondition(req);
  const { doc, created, issues } = await updateResource(ctx, type, id, req.body, { ifMatch, ifNoneMatch });
  const status = created ? 201 : 200;
  return writeResponse(req, ctx, type, doc, status, issues, `${created ? 'Created' : 'Updated'} ${type}/${id}`);
}

/** conditional update: PUT [type]?criteria (0 → create, 1 → update it, >1 → 412). */
export async function conditionalUpdate(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const criteria = criteriaFromQuery(req);
  assertResourceShape(req.body);
  const bodyId = req.body.id;
  if (bodyId !== undefined && typeof bodyId !== 'string') throw badRequest('Resource id must be a string', [`${type}.id`]);
  const match = await singleMatch(ctx, type, criteria, 'update');
  if (match) {
    if (bodyId !== undefined && bodyId !== match._id) {
      throw badRequest(`The resource id '${bodyId}' differs from the id of the matching resource`, [`${type}.id`]);
    }
    return update({ ...req, body: { ...req.body, id: match._id } }, ctx, type, match._id);
  }
  if (bodyId !== undefined) return update(req, ctx, type, bodyId);
  const { doc, issues } = await createResource(ctx, type, req.body, { id: req.assignedId });
  return writeResponse(req, ctx, type, doc, 201, issues, `Created ${type}/${doc._id}`);
}
