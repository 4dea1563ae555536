import type { Collection, Document } from 'mongodb';
import type { IndexSpec, StoreLogger } from '../port';

/**
 * createIndex with start-up migration. MongoDB refuses a declaration that clashes with an existing
 * index: code 85 IndexOptionsConflict (same keys, other name or options) and code 86
 * IndexKeySpecsConflict (same name, other keys). Both mean the declaration changed since the
 * index was built, so the old index (found by name, else by keys) is dropped and the declared one
 * built, and the replacement is logged (collection and index names only, never data).
 */
const CONFLICT_CODES = new Set([85, 86]);

const sameKeys = (a: Document, b: Document) => JSON.stringify(a) === JSON.stringify(b);

function options(spec: IndexSpec) {
  return { ...(spec.name ? { name: spec.name } : {}), unique: spec.unique === true };
}

export async function createOrReplaceIndex(collection: Collection<Document>, spec: IndexSpec, logger?: StoreLogger): Promise<void> {
  try {
    await collection.createIndex(spec.keys, options(spec));
    return;
  } catch (error) {
    if (!CONFLICT_CODES.has((error as { code?: unknown }).code as number)) throw error;
  }
  const existing = await collection.listIndexes().toArray();
  const old = existing.find((index) => spec.name !== undefined && index.name === spec.name) ?? existing.find((index) => sameKeys(index.key as Document, spec.keys));
  if (!old || old.name === '_id_') throw new Error(`${collection.collectionName}: index ${spec.name ?? JSON.stringify(spec.keys)} conflicts with an index that cannot be replaced`);
  await collection.dropIndex(old.name as string);
  await collection.createIndex(spec.keys, options(spec));
  logger?.warn(`MongoDB index ${collection.collectionName}.${old.name as string} replaced: its keys or options changed (now ${JSON.stringify(spec.keys)}${spec.unique ? ' unique' : ''})`);
}
