import { assertResourceAccess, assertTypeAccess } from '../access/enforce';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { assertResourceShape } from '../repository/prepare';
import { createResource, type LiveDocument } from '../repository/write';
import { criteriaFromHeader, singleMatch } from './conditional';
import { writeResponse } from './respond';
import { badRequest } from '../outcome';

/** create: POST [type], conditional with If-None-Exist (0 → create, 1 → 200 existing, >1 → 412). */
export async function create(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  assertResourceShape(req.body);
  if (req.body.resourceType !== type) {
    throw badRequest(`Resource type '${String(req.body.resourceType)}' does not match the URL type '${type}'`);
  }
  const ifNoneExist = req.headers['if-none-exist'];
  const criteria = ifNoneExist === undefined ? undefined : criteriaFromHeader(ifNoneExist, type);
  if (criteria) {
    assertTypeAccess(ctx.access, 'create', type);
    // fast path (no validation, no transaction) for the usual retry of an already stored resource
    const existing = await singleMatch(ctx, type, criteria, 'create');
    if (existing?.resource) return matched(req, ctx, type, existing as LiveDocument);
  }
  // the authoritative check runs again inside the create's transaction, under a claim
  const { doc, created, issues } = await createResource(ctx, type, req.body, { id: req.assignedId, ...(criteria ? { ifNoneExist: criteria } : {}) });
  if (!created) return matched(req, ctx, type, doc);
  return writeResponse(req, ctx, type, doc, 201, issues, `Created ${type}/${doc._id}`);
}

function matched(req: FhirRequest, ctx: FhirContext, type: string, existing: LiveDocument): FhirResponse {
  assertResourceAccess(ctx.access, 'read', type, existing);
  return writeResponse(req, ctx, type, existing, 200, [], `${type}/${existing._id} already matches; nothing created`);
}
