import { DuplicateKeyError, type Filter, type ReplaceResult, type StoredDocument } from '../port';
import { match, type Overlay } from './query';
import { encodeRow, type Row } from './rows';
import type { Table } from './table';

/** A document as replay will see it (a plain JSON copy) together with its row (also the journal's text). */
export interface Incoming {
  doc: StoredDocument;
  row: Row;
  /** The row's text, for the journal record. */
  json: string;
}

export function toIncoming(doc: StoredDocument): Incoming {
  if (doc === null || typeof doc !== 'object' || typeof doc._id !== 'string' || doc._id === '') {
    throw new TypeError('a stored document needs a non-empty string _id');
  }
  const { row, json } = encodeRow(doc);
  // the copy must equal what replay parses back from the row; a direct copy is faster than
  // JSON.parse and exact for plain JSON values, and anything else takes the JSON.parse road
  const copy = plainJsonCopy(doc);
  return { doc: (copy === UNUSUAL ? JSON.parse(json) : copy) as StoredDocument, row, json };
}

const UNUSUAL = Symbol('not plain JSON');

/** A deep copy with JSON.stringify's meaning for plain values (undefined fields dropped), or UNUSUAL. */
function plainJsonCopy(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : UNUSUAL;
  if (typeof value !== 'object') return UNUSUAL;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = plainJsonCopy(value[i]);
      if (item === UNUSUAL) return UNUSUAL;
      out[i] = item;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return UNUSUAL;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    const item = plainJsonCopy(field);
    if (item === UNUSUAL) return UNUSUAL;
    out[key] = item;
  }
  return out;
}

/**
 * Where a write lands: straight into the tables (a plain write) or into a transaction's
 * overlay. The operations below are written once against it.
 */
export interface WriteTarget {
  table(collection: string): Table;
  overlay(collection: string): Overlay | undefined;
  /** Name of a unique index that `doc` would violate, if any. */
  uniqueConflict(collection: string, doc: StoredDocument): string | undefined;
  put(collection: string, entry: Incoming): void;
  remove(collection: string, id: string): void;
}

function exists(target: WriteTarget, collection: string, id: string): boolean {
  const overlay = target.overlay(collection);
  if (overlay?.has(id)) return !!overlay.get(id);
  return target.table(collection).has(id);
}

function assertUnique(target: WriteTarget, collection: string, doc: StoredDocument): void {
  const index = target.uniqueConflict(collection, doc);
  if (index) throw new DuplicateKeyError(`${collection}: duplicate key in unique index ${index} (document ${doc._id})`);
}

export function insert(target: WriteTarget, collection: string, entry: Incoming): void {
  if (exists(target, collection, entry.doc._id)) throw new DuplicateKeyError(`${collection}: duplicate _id ${entry.doc._id}`);
  assertUnique(target, collection, entry.doc);
  target.put(collection, entry);
}

export function replace(target: WriteTarget, collection: string, filter: Filter, entry: Incoming, upsert: boolean): ReplaceResult {
  const found = match(target.table(collection), filter, { limit: 1 }, target.overlay(collection))[0];
  if (found) {
    if (found._id !== entry.doc._id) throw new Error(`${collection}: replaceOne may not change _id (${found._id} → ${entry.doc._id})`);
    assertUnique(target, collection, entry.doc);
    target.put(collection, entry);
    return { matchedCount: 1, upserted: false };
  }
  if (!upsert) return { matchedCount: 0, upserted: false };
  insert(target, collection, entry); // as in MongoDB: an existing _id that missed the filter is a duplicate key
  return { matchedCount: 0, upserted: true };
}

export function removeMatching(target: WriteTarget, collection: string, filter: Filter, limit?: number): number {
  const found = match(target.table(collection), filter, { limit }, target.overlay(collection));
  for (const doc of found) target.remove(collection, doc._id);
  return found.length;
}
