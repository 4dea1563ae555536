import type { DocumentStore, IndexSpec } from '../../storage/port';
import { historyCollectionName } from '../resource-document';
import { COMMON_INDEXES, HISTORY_INDEXES, INDEXES_BY_TYPE } from './index-specs';

/** The types with search indexes beyond the common ones: created at startup, ahead of traffic. */
export const TYPES_WITH_INDEXES: readonly string[] = Object.keys(INDEXES_BY_TYPE);

/** Index specs for the current collection of `type` (the `_id` index exists already). */
export function indexSpecsFor(type: string): IndexSpec[] {
  return [...COMMON_INDEXES, ...(INDEXES_BY_TYPE[type] ?? [])];
}

/** Index specs of the history collection of every type. */
export function historyIndexSpecs(): IndexSpec[] {
  return [...HISTORY_INDEXES];
}

const ensured = new WeakMap<DocumentStore, Map<string, Promise<void>>>();

/** Creates `specs` on the collection `name` once per process (createIndex is idempotent on both engines). */
function ensureIndexes(store: DocumentStore, name: string, specs: IndexSpec[]): Promise<void> {
  let byName = ensured.get(store);
  if (!byName) {
    byName = new Map();
    ensured.set(store, byName);
  }
  let pending = byName.get(name);
  if (!pending) {
    const collection = store.collection(name);
    pending = specs.reduce<Promise<void>>((chain, spec) => chain.then(() => collection.createIndex(spec)), Promise.resolve());
    pending.catch(() => byName?.delete(name));
    byName.set(name, pending);
  }
  return pending;
}

/**
 * Creates the index specs of `type` (current and history collections) on `store` once per
 * process. Search calls it before touching a collection, so indexes exist even when startup did
 * not create them; startup calls it for every type ahead of traffic.
 */
export async function ensureSearchIndexes(store: DocumentStore, type: string): Promise<void> {
  await ensureIndexes(store, type, indexSpecsFor(type));
  await ensureHistoryIndexes(store, type);
}

/** The indexes of `Type_history`, before history reads it. */
export function ensureHistoryIndexes(store: DocumentStore, type: string): Promise<void> {
  return ensureIndexes(store, historyCollectionName(type), historyIndexSpecs());
}

/** Startup: the indexes of every type that has its own, so the first requests (and transactions) find them. */
export async function ensureStartupSearchIndexes(store: DocumentStore): Promise<void> {
  for (const type of TYPES_WITH_INDEXES) await ensureSearchIndexes(store, type);
}
