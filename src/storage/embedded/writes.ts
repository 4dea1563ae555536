import { DuplicateKeyError, type Filter, type ReplaceResult, type StoredDocument } from '../port';
import { match, type Overlay } from './query';
import type { Table } from './table';

/** A document as stored (parsed back from its JSON) together with that JSON for the journal. */
export interface Incoming {
  doc: StoredDocument;
  json: string;
}

export function toIncoming(doc: StoredDocument): Incoming {
  if (doc === null || typeof doc !== 'object' || typeof doc._id !== 'string' || doc._id === '') {
    throw new TypeError('a stored document needs a non-empty string _id');
  }
  const json = JSON.stringify(doc);
  return { doc: JSON.parse(json) as StoredDocument, json };
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

function current(target: WriteTarget, collection: string, id: string): StoredDocument | undefined {
  const overlay = target.overlay(collection);
  if (overlay?.has(id)) return overlay.get(id) ?? undefined;
  return target.table(collection).docs.get(id);
}

function assertUnique(target: WriteTarget, collection: string, doc: StoredDocument): void {
  const index = target.uniqueConflict(collection, doc);
  if (index) throw new DuplicateKeyError(`${collection}: duplicate key in unique index ${index} (document ${doc._id})`);
}

export function insert(target: WriteTarget, collection: string, entry: Incoming): void {
  if (current(target, collection, entry.doc._id)) throw new DuplicateKeyError(`${collection}: duplicate _id ${entry.doc._id}`);
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
