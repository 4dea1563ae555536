import type { SortSpec, StoredDocument } from '../port';

/**
 * Sorting with MongoDB's rules: values of different types order by type (missing/null, numbers,
 * strings, objects, arrays, booleans); an array sorts by its smallest element ascending and its
 * largest descending. When only the first `keep` documents are wanted (skip + limit) and that is
 * a small part of the input, a bounded selection avoids sorting everything (a page of 20 out of a
 * million costs one pass).
 */
function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 1;
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'object':
      return Array.isArray(value) ? 5 : 4;
    case 'boolean':
      return 8;
    default:
      return 10;
  }
}

export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return 0;
  if (ra === 8) return Number(a) - Number(b);
  // objects (rare as sort keys): a stable, deterministic order
  const ja = JSON.stringify(a) ?? '';
  const jb = JSON.stringify(b) ?? '';
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

/** Every value at a dotted path, walking into arrays as MongoDB does. */
function valuesAt(value: unknown, segments: string[], at: number, out: unknown[]): void {
  if (at === segments.length) {
    if (Array.isArray(value)) out.push(...value);
    else out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object') valuesAt(item, segments, at, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  valuesAt((value as Record<string, unknown>)[segments[at] as string], segments, at + 1, out);
}

function sortValue(doc: StoredDocument, segments: string[], dir: 1 | -1): unknown {
  const values: unknown[] = [];
  valuesAt(doc, segments, 0, values);
  if (values.length <= 1) return values[0];
  let best: unknown = values[0];
  for (const v of values) if (compareValues(v, best) * dir < 0) best = v;
  return best;
}

interface Decorated {
  doc: StoredDocument;
  keys: unknown[];
}

export function sortDocuments(docs: StoredDocument[], spec: SortSpec, keep = Infinity): StoredDocument[] {
  const fields = Object.entries(spec);
  const dirs = fields.map(([, dir]) => dir);
  const paths = fields.map(([path]) => path.split('.'));
  const decorate = (doc: StoredDocument): Decorated => ({ doc, keys: paths.map((segments, i) => sortValue(doc, segments, dirs[i] as 1 | -1)) });
  const cmp = (a: Decorated, b: Decorated): number => {
    for (let i = 0; i < dirs.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i]);
      if (c !== 0) return c * (dirs[i] as number);
    }
    return 0;
  };
  if (keep * 8 >= docs.length) return docs.map(decorate).sort(cmp).slice(0, keep).map((d) => d.doc);
  // bounded selection: `best` stays sorted and never grows past `keep`
  const best: Decorated[] = [];
  for (const doc of docs) {
    const item = decorate(doc);
    if (best.length === keep && cmp(item, best[keep - 1] as Decorated) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(best[mid] as Decorated, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, item);
    if (best.length > keep) best.pop();
  }
  return best.map((d) => d.doc);
}
