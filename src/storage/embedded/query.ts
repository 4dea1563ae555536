import { Query } from 'mingo';
import type { Filter, FindOptions, Projection, SortSpec, StoredDocument } from '../port';
import { compileFastFilter, type Predicate } from './fast-filter';
import { planFilter } from './planner';
import { sortDocuments } from './sort';
import type { Table } from './table';

/** A transaction's uncommitted writes to one collection: id → new document, or null if deleted. */
export type Overlay = Map<string, StoredDocument | null>;

const EMPTY: Overlay = new Map();

/** The documents a filter could match: from an index when the planner finds one, else all. */
export function candidates(table: Table, filter: Filter, overlay: Overlay = EMPTY): StoredDocument[] {
  const out: StoredDocument[] = [];
  const plan = planFilter(table, filter);
  if (plan) {
    for (const id of plan.ids()) {
      const doc = table.docs.get(id);
      if (doc && !overlay.has(id)) out.push(doc);
    }
  } else if (overlay.size === 0) {
    for (const doc of table.docs.values()) out.push(doc);
  } else {
    for (const doc of table.docs.values()) if (!overlay.has(doc._id)) out.push(doc);
  }
  for (const doc of overlay.values()) if (doc) out.push(doc);
  table.examined += out.length;
  return out;
}

export interface MatchOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
}

const compile = (filter: Filter): Predicate => compileFastFilter(filter) ?? new Query(filter);

/** The compiled test of a filter (fast path, else mingo). */
export const predicate = compile;

/** Matching documents (internal, shared references) in sort order, after skip/limit. */
export function match(table: Table, filter: Filter, options: MatchOptions = {}, overlay?: Overlay): StoredDocument[] {
  const query = compile(filter);
  const skip = Math.max(0, options.skip ?? 0);
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const sorted = options.sort && Object.keys(options.sort).length > 0;
  // without a sort, the first skip + limit matches are the answer: stop scanning there
  const enough = sorted ? Infinity : skip + limit;
  const matched: StoredDocument[] = [];
  for (const doc of candidates(table, filter, overlay)) {
    if (!query.test(doc)) continue;
    matched.push(doc);
    if (matched.length >= enough) break;
  }
  if (!sorted) return skip === 0 && limit === Infinity ? matched : matched.slice(skip, skip + limit);
  const sortedDocs = sortDocuments(matched, options.sort as SortSpec, skip + limit);
  return skip === 0 ? sortedDocs : sortedDocs.slice(skip);
}

export function count(table: Table, filter: Filter, overlay?: Overlay): number {
  const query = compile(filter);
  let n = 0;
  for (const doc of candidates(table, filter, overlay)) if (query.test(doc)) n++;
  return n;
}

/** Applies a projection; the result may share sub-objects with `docs` (callers clone). */
export function project(docs: StoredDocument[], projection: Projection | undefined): StoredDocument[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  return new Query({}).find(docs, projection).all() as StoredDocument[];
}

export type { FindOptions };
