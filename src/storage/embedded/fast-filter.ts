import type { Filter, StoredDocument } from '../port';

/** A compiled filter: mingo's Query and the fast path below both have this shape. */
export interface Predicate {
  test(doc: StoredDocument): boolean;
}

type Scalar = string | number | boolean;
type Term = { path: string[]; values: Scalar[] };

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * A predicate without mingo for the filters of the hot paths — reads by id, conditional
 * interactions and index lookups: `{ field: scalar }`, `{ field: { $eq: scalar } }`,
 * `{ field: { $in: [scalars] } }`, dotted paths, `$and` of those, `{}`. Semantics are MongoDB's:
 * a path descends through arrays of sub-documents, and a field matches when it equals a value or
 * is an array holding one. Anything else (other operators, null, numeric path segments) returns
 * undefined and is left to mingo; compiling a mingo Query costs tens of microseconds.
 */
export function compileFastFilter(filter: Filter): Predicate | undefined {
  const terms: Term[] = [];
  if (!collect(filter, terms)) return undefined;
  return { test: (doc) => terms.every((term) => holds(doc, term)) };
}

function collect(filter: unknown, terms: Term[]): boolean {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return false;
  for (const key in filter) {
    const condition = (filter as Record<string, unknown>)[key];
    if (key === '$and') {
      if (!Array.isArray(condition) || condition.length === 0) return false;
      for (const part of condition) if (!collect(part, terms)) return false;
      continue;
    }
    if (key.startsWith('$')) return false;
    const path = key.split('.');
    if (path.some((segment) => segment === '' || /^\d+$/.test(segment) || segment.startsWith('$'))) return false;
    const values = valuesOf(condition);
    if (!values) return false;
    terms.push({ path, values });
  }
  return true;
}

function valuesOf(condition: unknown): Scalar[] | undefined {
  if (isScalar(condition)) return [condition];
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1) return undefined;
  const operand = (condition as Record<string, unknown>)[keys[0] as string];
  if (keys[0] === '$eq') return isScalar(operand) ? [operand] : undefined;
  if (keys[0] === '$in') return Array.isArray(operand) && operand.every(isScalar) ? operand : undefined;
  return undefined;
}

function holds(doc: StoredDocument, term: Term): boolean {
  return reaches(doc, term.path, 0, term.values);
}

/** True when some value at `path[i..]` below `node` equals one of `values` (or is an array holding one). */
function reaches(node: unknown, path: string[], i: number, values: Scalar[]): boolean {
  if (i === path.length) {
    if (Array.isArray(node)) return node.some((item) => isScalar(item) && values.includes(item));
    return isScalar(node) && values.includes(node);
  }
  if (Array.isArray(node)) return node.some((item) => item !== null && typeof item === 'object' && !Array.isArray(item) && reaches(item, path, i, values));
  if (node === null || typeof node !== 'object') return false;
  return reaches((node as Record<string, unknown>)[path[i] as string], path, i + 1, values);
}
