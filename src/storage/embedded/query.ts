import { Query } from 'mingo';
import type { Filter, FindOptions, Projection, SortSpec, StoredDocument } from '../port';
import { compileFastFilter, type Predicate } from './fast-filter';
import { planFilter } from './planner';
import { sortDocuments } from './sort';
import type { Table } from './table';

/** A transaction's uncommitted writes to one collection: id → new document, or null if deleted. */
export type Overlay = Map<string, StoredDocument | null>;

const EMPTY: Overlay = new Map();

/**
 * The documents a filter could match, read-only (see Table.peek): from an index when the planner
 * finds one, else all. Only these candidates are parsed from their rows; `withIdx: false` leaves
 * the search index entries out (when neither the filter, the sort nor the caller needs them).
 */
export function candidates(table: Table, filter: Filter, overlay: Overlay = EMPTY, withIdx = true): StoredDocument[] {
  const out: StoredDocument[] = [];
  const plan = planFilter(table, filter);
  for (const id of plan ? plan.ids() : table.ids()) {
    if (overlay.has(id)) continue;
    const doc = table.peek(id, withIdx);
    if (doc) out.push(doc);
  }
  for (const doc of overlay.values()) if (doc) out.push(doc);
  table.examined += out.length;
  return out;
}

export interface MatchOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  /** False when the caller drops `idx` from the result: then it is not parsed, unless the filter or sort reads it. */
  withIdx?: boolean;
}

/** Whether a filter or sort may read the top-level `idx` field (conservative: any mention of it). */
export function readsIdx(filter: Filter, sort: SortSpec | undefined): boolean {
  if (sort && Object.keys(sort).some((path) => path === 'idx' || path.startsWith('idx.'))) return true;
  return /"idx[".]|"\$(where|expr|function)"/.test(JSON.stringify(filter));
}

const compile = (filter: Filter): Predicate => compileFastFilter(filter) ?? new Query(filter);

/** The compiled test of a filter (fast path, else mingo). */
export const predicate = compile;

/** Matching documents (read-only, shared with the parse caches) in sort order, after skip/limit. */
export function match(table: Table, filter: Filter, options: MatchOptions = {}, overlay?: Overlay): StoredDocument[] {
  const query = compile(filter);
  const skip = Math.max(0, options.skip ?? 0);
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const sorted = options.sort && Object.keys(options.sort).length > 0;
  // without a sort, the first skip + limit matches are the answer: stop scanning there
  const enough = sorted ? Infinity : skip + limit;
  const matched: StoredDocument[] = [];
  const withIdx = options.withIdx !== false || readsIdx(filter, options.sort);
  for (const doc of candidates(table, filter, overlay, withIdx)) {
    if (!query.test(doc)) continue;
    matched.push(doc);
    if (matched.length >= enough) break;
  }
  if (!sorted) return skip === 0 && limit === Infinity ? matched : matched.slice(skip, skip + limit);
  const sortedDocs = sortDocuments(matched, options.sort as SortSpec, skip + limit);
  return skip === 0 ? sortedDocs : sortedDocs.slice(skip);
}

export function count(table: Table, filter: Filter, overlay?: Overlay): number {
  if (Object.keys(filter).length === 0 && (!overlay || overlay.size === 0)) return table.size; // nothing to parse
  const query = compile(filter);
  let n = 0;
  for (const doc of candidates(table, filter, overlay, readsIdx(filter, undefined))) if (query.test(doc)) n++;
  return n;
}

/** Applies a projection; the result may share sub-objects with `docs` (callers copy). */
export function project(docs: StoredDocument[], projection: Projection | undefined): StoredDocument[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  return new Query({}).find(docs, projection).all() as StoredDocument[];
}

export type { FindOptions };
