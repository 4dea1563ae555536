import type { StoredDocument } from '../port';

/**
 * How a table holds a document: its JSON text, parsed again on each read. A string costs about
 * its length in bytes, where the object graph of the same document costs several times more
 * (an object, a hidden-class pointer and a boxed or separate string per field), and reads hand
 * out private copies anyway: parsing the text is that copy.
 *
 * The top-level `idx` field (search index entries, often the larger half of a resource document)
 * is written last and `idxAt` remembers where it starts, so a read that excludes it (the read
 * interaction does) parses only the text before it.
 */
export interface Row {
  readonly json: string;
  /** Offset of `,"idx":` in `json`, or -1 when the document has no `idx`. */
  readonly idxAt: number;
}

const IDX = ',"idx":';

/** The row of a plain JSON document (what JSON.stringify makes of it, `idx` moved last). */
export function rowOf(doc: StoredDocument): Row {
  const idx = (doc as { idx?: unknown }).idx;
  if (idx === undefined) return { json: JSON.stringify(doc), idxAt: -1 };
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) if (key !== 'idx') rest[key] = (doc as unknown as Record<string, unknown>)[key];
  const head = JSON.stringify(rest);
  const tail = JSON.stringify(idx) as string | undefined;
  if (tail === undefined) return { json: head, idxAt: -1 };
  const idxAt = head.length - 1;
  return { json: `${head.slice(0, idxAt)}${IDX}${tail}}`, idxAt };
}

/** A row read back from stored text whose `idx`, if any, was written last by rowOf. */
export function rowOfText(json: string, idxAt: number): Row {
  if (idxAt >= 0 && json.startsWith(IDX, idxAt)) return { json, idxAt };
  return { json, idxAt: -1 };
}

/** A private copy of the document; without `idx` when `withIdx` is false (cheaper to parse). */
export function parseRow(row: Row, withIdx = true): StoredDocument {
  if (withIdx || row.idxAt < 0) return JSON.parse(row.json) as StoredDocument;
  return JSON.parse(`${row.json.slice(0, row.idxAt)}}`) as StoredDocument;
}
