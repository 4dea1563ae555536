import { badRequest, FhirError, issue } from '../outcome';

/**
 * FHIRPath Patch documents (hl7.org/fhir/R4/fhirpatch.html): a Parameters resource with one
 * `operation` parameter per change, each made of parts `type`, `path`, and as the type needs them
 * `name`, `value`, `index`, `source`, `destination`. A malformed document is 400 here; whether an
 * operation applies to the resource is decided in fhirpath-patch.ts (422).
 */
export type FhirPathPatchType = 'add' | 'insert' | 'delete' | 'replace' | 'move';

export interface FhirPathPatchOperation {
  type: FhirPathPatchType;
  path: string;
  name?: string;
  value?: PatchValue;
  index?: number;
  source?: number;
  destination?: number;
}

/**
 * A value as the document gives it: a data type value (`valueQuantity` → Quantity) or, for an
 * anonymous backbone element, named parts whose JSON names depend on where it lands (a part
 * `value` given as `valueString` under a choice element becomes `valueString`).
 */
export type PatchValue =
  | { value: unknown; valueType: string; parts?: undefined }
  | { parts: Array<{ name: string } & PatchValue>; value?: undefined; valueType?: undefined };

interface Part {
  name?: unknown;
  part?: unknown;
  [key: string]: unknown;
}

const TYPES: ReadonlySet<string> = new Set(['add', 'insert', 'delete', 'replace', 'move']);
const NEEDS: Record<FhirPathPatchType, readonly string[]> = {
  add: ['name', 'value'],
  insert: ['value', 'index'],
  delete: [],
  replace: ['value'],
  move: ['source', 'destination'],
};

/**
 * Each operation evaluates a FHIRPath expression over the whole resource: the count is bounded so
 * that one patch cannot hold the shared event loop for seconds (real patches hold a handful).
 */
const MAX_OPERATIONS = 1000;

export const isFhirPathPatch = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { resourceType?: unknown }).resourceType === 'Parameters';

export function parseFhirPathPatch(body: unknown): FhirPathPatchOperation[] {
  if (!isFhirPathPatch(body)) throw badRequest('A FHIRPath Patch document must be a Parameters resource');
  const parameters = (body as { parameter?: unknown }).parameter ?? [];
  if (!Array.isArray(parameters)) throw badRequest('Parameters.parameter must be an array');
  if (parameters.length > MAX_OPERATIONS) {
    throw new FhirError(413, [issue('error', 'too-costly', `A FHIRPath Patch may hold at most ${MAX_OPERATIONS} operations; send several patches`)]);
  }
  return parameters.map((parameter: Part, i) => parseOperation(parameter, `Parameters.parameter[${i}]`));
}

function parseOperation(parameter: Part, at: string): FhirPathPatchOperation {
  if (parameter?.name !== 'operation') throw badRequest(`${at}: every parameter of a FHIRPath Patch is named 'operation'`, [at]);
  const parts = Array.isArray(parameter.part) ? (parameter.part as Part[]) : [];
  const byName = new Map<string, Part>();
  for (const part of parts) {
    if (typeof part?.name !== 'string') throw badRequest(`${at}.part: every part needs a name`, [`${at}.part`]);
    if (byName.has(part.name)) throw badRequest(`${at}: the part '${part.name}' is repeated`, [`${at}.part`]);
    byName.set(part.name, part);
  }
  const type = byName.get('type')?.valueCode;
  if (typeof type !== 'string' || !TYPES.has(type)) throw badRequest(`${at}: type must be one of add, insert, delete, replace, move`, [`${at}.part`]);
  const path = byName.get('path')?.valueString;
  if (typeof path !== 'string' || path.trim() === '') throw badRequest(`${at}: path (valueString) is required`, [`${at}.part`]);
  // a patch changes its own resource only (fhirpatch.html: never across resources)
  if (/\bresolve\s*\(/.test(path)) throw badRequest(`${at}: a patch path may not use resolve()`, [`${at}.part`]);
  const operation: FhirPathPatchOperation = { type: type as FhirPathPatchType, path };
  for (const needed of NEEDS[operation.type]) {
    if (!byName.has(needed)) throw badRequest(`${at}: a ${type} operation needs the part '${needed}'`, [`${at}.part`]);
  }
  const name = byName.get('name');
  if (name) {
    if (typeof name.valueString !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(name.valueString)) throw badRequest(`${at}: name must be an element name`, [`${at}.part`]);
    operation.name = name.valueString;
  }
  for (const key of ['index', 'source', 'destination'] as const) {
    const part = byName.get(key);
    if (!part) continue;
    if (!Number.isInteger(part.valueInteger) || (part.valueInteger as number) < 0) throw badRequest(`${at}: ${key} must be a non-negative valueInteger`, [`${at}.part`]);
    operation[key] = part.valueInteger as number;
  }
  const value = byName.get('value');
  if (value) operation.value = valueOf(value, `${at}.part`);
  return operation;
}

/** `valueX` of a part, or for an anonymous (backbone) type its parts, materialised where it lands. */
function valueOf(part: Part, at: string): PatchValue {
  const key = Object.keys(part).find((k) => /^value[A-Z]/.test(k));
  if (key) return { value: part[key], valueType: key.slice('value'.length) };
  if (!Array.isArray(part.part) || part.part.length === 0) throw badRequest(`${at}: value needs a value[x] or parts`, [at]);
  const parts = (part.part as Part[]).map((sub) => {
    if (typeof sub?.name !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(sub.name)) throw badRequest(`${at}: every part of a value needs an element name`, [at]);
    return { name: sub.name, ...valueOf(sub, at) };
  });
  return { parts };
}
