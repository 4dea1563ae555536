/**
 * Index keys of a document, with MongoDB's multikey semantics: a dotted path walks into arrays
 * (every element), and an array at the end of the path contributes each element. The keys are a
 * SUPERSET of what a filter on that path can match, which is all the planner needs: mingo still
 * evaluates the filter on every candidate. Only scalar values (string, number, boolean) are keys;
 * a document without any scalar at the path has the key `null` (as in a MongoDB unique index).
 */
export type IndexKey = string | number | boolean | null;

export function isIndexableScalar(value: unknown): value is string | number | boolean {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || (t === 'number' && !Number.isNaN(value));
}

function collect(value: unknown, segments: string[], at: number, out: IndexKey[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, segments, at, out);
    return;
  }
  if (at === segments.length) {
    if (isIndexableScalar(value)) out.push(value);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  collect((value as Record<string, unknown>)[segments[at] as string], segments, at + 1, out);
}

/** Distinct scalar keys at `segments`; `[null]` when there are none. */
export function keysAt(doc: unknown, segments: string[]): IndexKey[] {
  const out: IndexKey[] = [];
  collect(doc, segments, 0, out);
  if (out.length === 0) return [null];
  return out.length === 1 ? out : [...new Set(out)];
}

/** Each combination of the keys of several paths (compound unique indexes). */
export function compoundKeys(doc: unknown, paths: string[][]): string[] {
  let tuples: IndexKey[][] = [[]];
  for (const segments of paths) {
    const keys = keysAt(doc, segments);
    const next: IndexKey[][] = [];
    for (const tuple of tuples) for (const key of keys) next.push([...tuple, key]);
    tuples = next;
  }
  return tuples.map((t) => JSON.stringify(t));
}
