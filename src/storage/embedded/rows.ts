import type { StoredDocument } from '../port';

/**
 * How a table holds a document: its JSON as UTF-8 bytes in a Buffer, parsed again on each read.
 * The bytes live outside the JavaScript heap, so the garbage collector neither scans nor moves
 * them (with a heap of strings, loading half a gigabyte spent most of its time copying them
 * between generations), and they cost about their length, where the object graph of the same
 * document costs several times more. Reads hand out private copies anyway: parsing is that copy.
 * Rows loaded from a snapshot are views into the buffers the file was read with.
 *
 * The top-level `idx` field (search index entries, often the larger half of a resource document)
 * is written last and `idxAt` remembers where it starts, so a read that excludes it (the read
 * interaction does) parses only the bytes before it.
 */
export interface Row {
  readonly bytes: Buffer;
  /** Byte offset of `,"idx":` in `bytes`, or -1 when the document has no `idx`. */
  readonly idxAt: number;
}

const IDX = ',"idx":';

/** The row of a plain JSON document (what JSON.stringify makes of it, `idx` moved last) and that JSON, for the journal. */
export function encodeRow(doc: StoredDocument): { row: Row; json: string } {
  const idx = (doc as { idx?: unknown }).idx;
  const plain = (json: string) => ({ row: { bytes: Buffer.from(json, 'utf8'), idxAt: -1 }, json });
  if (idx === undefined) return plain(JSON.stringify(doc));
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) if (key !== 'idx') rest[key] = (doc as unknown as Record<string, unknown>)[key];
  const head = JSON.stringify(rest);
  const tail = JSON.stringify(idx) as string | undefined;
  if (tail === undefined) return plain(head);
  const json = `${head.slice(0, -1)}${IDX}${tail}}`;
  return { row: { bytes: Buffer.from(json, 'utf8'), idxAt: Buffer.byteLength(head, 'utf8') - 1 }, json };
}

export const rowOf = (doc: StoredDocument): Row => encodeRow(doc).row;

/** A row read back from stored bytes whose `idx`, if any, was written last by encodeRow. */
export function rowOfBytes(bytes: Buffer, idxAt: number): Row {
  if (idxAt >= 0 && bytes.toString('latin1', idxAt, idxAt + IDX.length) === IDX) return { bytes, idxAt };
  return { bytes, idxAt: -1 };
}

/** The row's JSON text. */
export const rowJson = (row: Row): string => row.bytes.toString('utf8');

/** A private copy of the document; without `idx` when `withIdx` is false (cheaper to parse). */
export function parseRow(row: Row, withIdx = true): StoredDocument {
  if (withIdx || row.idxAt < 0) return JSON.parse(row.bytes.toString('utf8')) as StoredDocument;
  return JSON.parse(`${row.bytes.toString('utf8', 0, row.idxAt)}}`) as StoredDocument;
}
