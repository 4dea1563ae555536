import { badRequest, FhirError, issue } from '../outcome';
import { deepEqual } from '../json-equal';

/**
 * RFC 6902 JSON Patch: add, remove, replace, move, copy, test — small and strict.
 * A malformed patch document is 400; an operation that cannot apply (missing path, failed
 * test) is 422, and nothing is changed: operations run on a copy.
 */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function parsePatchDocument(body: unknown): PatchOperation[] {
  if (!Array.isArray(body)) throw badRequest('A JSON Patch document must be a JSON array of operations');
  return body.map((raw, index) => {
    const at = `[${index}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest(`Patch operation ${at} is not an object`);
    const op = raw as Record<string, unknown>;
    if (typeof op.op !== 'string' || !OPS.has(op.op)) throw badRequest(`Patch operation ${at} has an unknown op '${String(op.op)}'`);
    if (typeof op.path !== 'string') throw badRequest(`Patch operation ${at} has no path`);
    parsePointer(op.path);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw badRequest(`Patch operation ${at} (${op.op}) has no from`);
    if (typeof op.from === 'string') parsePointer(op.from);
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      throw badRequest(`Patch operation ${at} (${op.op}) has no value`);
    }
    return op as unknown as PatchOperation;
  });
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`Invalid JSON pointer '${pointer}'`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const failed = (message: string) => new FhirError(422, [issue('error', 'processing', message)]);

type Container = Record<string, unknown> | unknown[];

/** Resolves the parent container and last token of `pointer`; the parent must exist. */
function locate(document: unknown, pointer: string): { parent: Container; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw failed('Patching the whole document is not allowed');
  let node: unknown = document;
  for (const token of tokens) {
    node = child(node, token, pointer);
  }
  if (!node || typeof node !== 'object') throw failed(`Path '${pointer}' does not exist`);
  return { parent: node as Container, key };
}

function arrayIndex(array: unknown[], token: string, pointer: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw failed(`Path '${pointer}': '${token}' is not an array index`);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length)) throw failed(`Path '${pointer}': index ${index} is out of bounds`);
  return index;
}

function child(node: unknown, token: string, pointer: string): unknown {
  if (Array.isArray(node)) return node[arrayIndex(node, token, pointer, false)];
  if (node && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, token)) return (node as Record<string, unknown>)[token];
  throw failed(`Path '${pointer}' does not exist`);
}

function getValue(document: unknown, pointer: string): unknown {
  let node = document;
  for (const token of parsePointer(pointer)) node = child(node, token, pointer);
  return node;
}

function add(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else parent[key] = value;
}

function remove(document: unknown, pointer: string): unknown {
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0];
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw failed(`Path '${pointer}' does not exist`);
  const old = parent[key];
  delete parent[key];
  return old;
}


/** Applies `operations` to a deep copy of `document` and returns it. */
export function applyPatch<T>(document: T, operations: PatchOperation[]): T {
  const result = structuredClone(document);
  for (const op of operations) {
    switch (op.op) {
      case 'add':
        add(result, op.path, structuredClone(op.value));
        break;
      case 'remove':
        remove(result, op.path);
        break;
      case 'replace':
        remove(result, op.path);
        add(result, op.path, structuredClone(op.value));
        break;
      case 'move': {
        const from = op.from as string;
        if (op.path.startsWith(`${from}/`)) throw failed(`Cannot move '${from}' into its own child '${op.path}'`);
        add(result, op.path, remove(result, from));
        break;
      }
      case 'copy':
        add(result, op.path, structuredClone(getValue(result, op.from as string)));
        break;
      case 'test':
        if (!deepEqual(getValue(result, op.path), op.value)) throw failed(`Patch test failed at '${op.path}'`);
        break;
    }
  }
  return result;
}
