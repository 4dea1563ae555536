import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { Resource } from 'fhir/r4';
import { elementFacts } from '../definitions/elements';
import { badRequest, issue, unprocessable } from '../outcome';
import type { FhirPathPatchOperation, PatchValue } from './fhirpath-patch-parse';

/**
 * Applies a FHIRPath Patch (hl7.org/fhir/R4/fhirpatch.html) to a copy of the resource. Paths are
 * evaluated with the HL7 `fhirpath` engine, whose result nodes know their parent object, property
 * and list index, so every operation edits the very element the path selected. An operation that
 * cannot apply (no or several matches where one is needed, an index out of range, a non-repeating
 * element already present) is 422 and nothing is changed; the result is validated by the update.
 */
type Json = Record<string, unknown>;

/** Where a selected element lives: `parent[key]`, or `parent[key][index]` in a list. */
interface Location {
  parent: Json;
  key: string;
  index: number | undefined;
  /** The element's own value, and its path in the definitions (`Patient`, `Patient.contact`, `HumanName`). */
  data: unknown;
  typePath: string;
  /** The definition path of the property: `${parent type path}.${property name}`. */
  elementPath: string;
}

/** What fhirpath's ResourceNode exposes (resolveInternalTypes: false). */
interface Node {
  data: unknown;
  path: string;
  propName?: string;
  index?: number | null;
  parentResNode?: Node | null;
}

const MAX_PATH_LENGTH = 1000;

export function applyFhirPathPatch(resource: Resource, operations: readonly FhirPathPatchOperation[]): Resource {
  const copy = structuredClone(resource) as unknown as Json;
  operations.forEach((operation, i) => apply(copy, operation, `Parameters.parameter[${i}]`));
  return copy as unknown as Resource;
}

function apply(resource: Json, op: FhirPathPatchOperation, at: string): void {
  const found = locate(resource, op.path, at);
  switch (op.type) {
    case 'add':
      return add(one(found, op, at), op, at);
    case 'insert':
      return insert(resource, found, op, at);
    case 'delete':
      if (found.length === 0) return; // "delete … (if found)"
      return remove(one(found, op, at));
    case 'replace':
      return replace(one(found, op, at), op, at);
    case 'move':
      return move(listOf(found, op, at), op, at);
  }
}

function locate(resource: Json, path: string, at: string): Location[] {
  if (path.length > MAX_PATH_LENGTH) throw badRequest(`${at}: the path is longer than ${MAX_PATH_LENGTH} characters`);
  let nodes: unknown[];
  try {
    nodes = fhirpath.evaluate(resource, path, undefined, r4model, { resolveInternalTypes: false }) as unknown[];
  } catch (error) {
    throw badRequest(`${at}: the path '${path}' is not a valid FHIRPath expression (${(error as Error).message.split('\n')[0]})`);
  }
  return nodes.map((node) => locationOf(resource, node, path, at));
}

function locationOf(resource: Json, value: unknown, path: string, at: string): Location {
  const node = value as Node;
  if (!node || typeof node !== 'object' || !('parentResNode' in node) || typeof node.path !== 'string') {
    throw cannot(`${at}: the path '${path}' does not select elements of the resource`);
  }
  const parentNode = node.parentResNode;
  if (!parentNode) {
    if (node.data !== resource) throw cannot(`${at}: the path '${path}' selects something outside the resource`);
    return { parent: {}, key: '', index: undefined, data: resource, typePath: node.path, elementPath: node.path };
  }
  const parent = parentNode.data as Json;
  const name = node.propName ?? '';
  // a choice element (value[x]) is found as `value`; its JSON property carries the type
  const key = name in parent ? name : `${name}${capitalize(node.path)}`;
  if (!(key in parent)) throw cannot(`${at}: the element selected by '${path}' could not be located in the resource`);
  return { parent, key, index: typeof node.index === 'number' ? node.index : undefined, data: node.data, typePath: node.path, elementPath: `${parentNode.path}.${name}` };
}

function one(found: Location[], op: FhirPathPatchOperation, at: string): Location {
  if (found.length !== 1) throw cannot(`${at}: the path '${op.path}' must select exactly one element for ${op.type}, it selects ${found.length}`);
  return found[0] as Location;
}

/** The list a path selects the items of: every item in the same parent property. */
function listOf(found: Location[], op: FhirPathPatchOperation, at: string): { parent: Json; key: string; list: unknown[]; elementPath: string } {
  const first = found[0];
  const list = first ? first.parent[first.key] : undefined;
  if (!first || !Array.isArray(list) || found.some((l) => l.parent !== first.parent || l.key !== first.key || l.index === undefined)) {
    throw cannot(`${at}: the path '${op.path}' must select the items of one list for ${op.type}`);
  }
  return { parent: first.parent, key: first.key, list, elementPath: first.elementPath };
}

function add(target: Location, op: FhirPathPatchOperation, at: string): void {
  const object = target.data;
  if (!object || typeof object !== 'object' || Array.isArray(object)) throw cannot(`${at}: add needs a path to an element that can hold '${op.name}'`);
  const elementPath = `${target.typePath}.${op.name}`;
  const facts = elementFacts(elementPath);
  if (!facts) throw cannot(`${at}: ${target.typePath} has no element '${op.name}'`);
  const value = op.value as PatchValue;
  const key = facts.choice ? `${op.name}${value.valueType ?? ''}` : (op.name as string);
  const json = object as Json;
  const content = materialize(value, elementPath, at);
  if (facts.repeats) {
    const list = json[key];
    json[key] = Array.isArray(list) ? [...list, content] : [content];
    return;
  }
  const present = facts.choice ? Object.keys(json).some((k) => k.startsWith(op.name as string) && /^[A-Z]/.test(k.slice((op.name as string).length))) : key in json;
  if (present) throw cannot(`${at}: ${elementPath} does not repeat and is already present: use replace`);
  json[key] = content;
}

function insert(resource: Json, found: Location[], op: FhirPathPatchOperation, at: string): void {
  const index = op.index as number;
  if (found.length === 0) {
    // an empty list: the path names it from its parent (`Patient.identifier` with no identifier yet)
    const split = /^(.*)\.([A-Za-z][A-Za-z0-9]*)$/.exec(op.path);
    if (!split || index !== 0) throw cannot(`${at}: index ${index} is out of range of an empty list`);
    const parent = one(locate(resource, split[1] as string, at), { ...op, path: split[1] as string }, at);
    add(parent, { ...op, type: 'add', name: split[2] as string }, at);
    return;
  }
  const { parent, key, list, elementPath } = listOf(found, op, at);
  if (index > list.length) throw cannot(`${at}: index ${index} is past the end of the list (${list.length} items)`);
  list.splice(index, 0, materialize(op.value as PatchValue, elementPath, at));
  const companion = parent[`_${key}`];
  if (Array.isArray(companion)) companion.splice(index, 0, null);
}

function remove(target: Location): void {
  const { parent, key, index } = target;
  if (index === undefined) {
    delete parent[key];
    delete parent[`_${key}`];
    return;
  }
  const list = parent[key] as unknown[];
  list.splice(index, 1);
  const companion = parent[`_${key}`];
  if (Array.isArray(companion)) companion.splice(index, 1);
  if (list.length === 0) {
    delete parent[key];
    delete parent[`_${key}`];
  }
}

function replace(target: Location, op: FhirPathPatchOperation, at: string): void {
  if (!target.key) throw cannot(`${at}: the resource itself cannot be replaced by a patch`);
  const value = op.value as PatchValue;
  const content = materialize(value, target.elementPath, at);
  if (target.index !== undefined) {
    (target.parent[target.key] as unknown[])[target.index] = content;
    return;
  }
  const base = target.elementPath.slice(target.elementPath.lastIndexOf('.') + 1);
  if (elementFacts(target.elementPath)?.choice && value.valueType) {
    // value[x] replaced by another type: the JSON property changes with it
    delete target.parent[target.key];
    delete target.parent[`_${target.key}`];
    target.parent[`${base}${value.valueType}`] = content;
    return;
  }
  target.parent[target.key] = content;
}

function move(target: { list: unknown[]; parent: Json; key: string }, op: FhirPathPatchOperation, at: string): void {
  const { list } = target;
  const source = op.source as number;
  const destination = op.destination as number;
  if (source >= list.length || destination >= list.length) throw cannot(`${at}: source and destination must be below the list length ${list.length}`);
  list.splice(destination, 0, ...list.splice(source, 1));
  const companion = target.parent[`_${target.key}`];
  if (Array.isArray(companion)) companion.splice(destination, 0, ...companion.splice(source, 1));
}

/** The JSON of a patch value landing at `elementPath`; anonymous parts take their JSON names there. */
function materialize(value: PatchValue, elementPath: string, at: string): unknown {
  if (!value.parts) return structuredClone(value.value);
  const object: Json = {};
  for (const part of value.parts) {
    const childPath = `${elementPath}.${part.name}`;
    const facts = elementFacts(childPath);
    if (!facts) throw cannot(`${at}: ${elementPath} has no element '${part.name}'`);
    const key = facts.choice && !part.parts ? `${part.name}${part.valueType}` : part.name;
    const content = materialize(part, childPath, at);
    if (facts.repeats) object[key] = [...((object[key] as unknown[] | undefined) ?? []), content];
    else if (key in object) throw cannot(`${at}: ${childPath} does not repeat but is given twice`);
    else object[key] = content;
  }
  return object;
}

const capitalize = (type: string) => type.charAt(0).toUpperCase() + type.slice(1);
const cannot = (message: string) => unprocessable([issue('error', 'processing', message)]);
