import type { Parameters, ParametersParameter } from 'fhir/r4';
import { badRequest, FhirError, issue, notFound } from '../outcome';
import type { FhirRequest, OperationDefinitionRef } from '../request';

/** Where an operation is invoked: `$x` (system), `Patient/$x` (type), `Patient/1/$x` (instance). */
export type OperationLevel = 'system' | 'type' | 'instance';

/**
 * The operation `name` at `level` on `resourceType`. Unknown names are 404; a known name that is
 * not defined at this level or type is 400; GET of an operation that changes state is 405.
 */
export function resolveOperation(
  operations: readonly OperationDefinitionRef[],
  name: string,
  level: OperationLevel,
  method: FhirRequest['method'],
  resourceType?: string,
): OperationDefinitionRef {
  const named = operations.filter((op) => op.name === name);
  if (named.length === 0) throw notFound(`Operation $${name} is not supported by this server`);
  const found = named.find((op) => op[level] && (level === 'system' || op.resourceTypes.length === 0 || op.resourceTypes.includes(resourceType ?? '')));
  if (!found) {
    const where = level === 'system' ? 'at system level' : `on ${resourceType} (${level} level)`;
    throw new FhirError(400, [issue('error', 'not-supported', `Operation $${name} is not defined ${where}`)]);
  }
  if ((method === 'GET' || method === 'HEAD') && found.affectsState) {
    throw new FhirError(405, [issue('error', 'not-supported', `Operation $${name} changes state: use POST`)], { Allow: 'POST' });
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw new FhirError(405, [issue('error', 'not-supported', `Operations are invoked with GET or POST, not ${method}`)], {
      Allow: found.affectsState ? 'POST' : 'GET, POST',
    });
  }
  return found;
}

/**
 * Operation parameters as name → values: GET query values are strings; a POST Parameters body
 * gives value[x] / resource / part (as a nested Map) per parameter. A POST body that is a
 * resource other than Parameters is the single `resource` input (R4 operations.html).
 */
export function operationParameters(req: FhirRequest): Map<string, unknown[]> {
  const result = new Map<string, unknown[]>();
  const push = (name: string, value: unknown) => {
    const list = result.get(name);
    if (list) list.push(value);
    else result.set(name, [value]);
  };
  for (const [name, value] of req.query) {
    if (name !== '_format' && name !== '_pretty') push(name, value);
  }
  if (req.method !== 'POST' || req.body === undefined || req.body === null || req.body === '') return result;
  const body = req.body as { resourceType?: unknown };
  if (typeof body !== 'object' || Array.isArray(body) || typeof body.resourceType !== 'string') {
    throw badRequest('An operation body must be a Parameters resource (or a single resource input)');
  }
  if (body.resourceType !== 'Parameters') {
    push('resource', body);
    return result;
  }
  for (const parameter of (body as Parameters).parameter ?? []) {
    if (typeof parameter?.name !== 'string') throw badRequest('Parameters.parameter.name is required', ['Parameters.parameter']);
    push(parameter.name, parameterValue(parameter));
  }
  return result;
}

function parameterValue(parameter: ParametersParameter): unknown {
  if (parameter.resource !== undefined) return parameter.resource;
  if (parameter.part !== undefined) {
    const parts = new Map<string, unknown[]>();
    for (const part of parameter.part) {
      const list = parts.get(part.name) ?? [];
      list.push(parameterValue(part));
      parts.set(part.name, list);
    }
    return parts;
  }
  for (const [key, value] of Object.entries(parameter)) {
    if (key.startsWith('value')) return value;
  }
  return undefined;
}
