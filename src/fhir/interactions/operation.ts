import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { operationParameters, resolveOperation, type OperationLevel } from '../operations/registry';
import { readResource } from '../repository/read';
import { assertTypeAccess } from '../access/enforce';

/** `$name` at system, type or instance level, dispatched to FhirServices.operations. */
export async function invokeOperation(
  req: FhirRequest,
  ctx: FhirContext,
  name: string,
  level: OperationLevel,
  resourceType?: string,
  id?: string,
): Promise<FhirResponse> {
  const operation = resolveOperation(ctx.operations, name, level, req.method, resourceType);
  if (resourceType && !(operation.scopesCheckedByHandler && level === 'type')) assertTypeAccess(ctx.access, 'operation', resourceType);
  // an instance operation on a missing or deleted resource is 404 / 410, checked before the handler
  if (level === 'instance' && resourceType && id) await readResource(ctx, resourceType, id, { interaction: 'operation' });
  return operation.handler({ request: req, resourceType, id, parameters: operationParameters(req) }, ctx);
}
