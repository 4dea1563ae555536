import type { IndexSpec, SortSpec } from '../../../src/storage/port';
import { analyse, type Conjunction } from './predicates';

/**
 * Can MongoDB answer one query from the declared indexes without scanning the collection or
 * sorting an unbounded set in memory? The rules, from MongoDB's documentation ("The ESR
 * (Equality, Sort, Range) Guideline", "Use Indexes to Sort Query Results", "Multikey Index
 * Bounds", "Compound Multikey Indexes") and deliberately conservative:
 * 1. Selection: an index is a candidate when its leading key has bounds (equality or range).
 *    Fields after an equality prefix only narrow further; the `_id` index always exists.
 * 2. Sort: a candidate serves a sort when, after its equality prefix, its next keys are the sort
 *    keys in order with the same directions or all exactly reversed. Sort keys bound by a single
 *    equality are constant and dropped. An `$in` in the prefix still serves the sort only by the
 *    planner's merge of one scan per point (SORT_MERGE), accepted up to MERGE_LIMIT points. A
 *    multikey field (an array) never serves a sort.
 * 3. A query selected by a range only (no equality prefix that the sort could follow) may sort its
 *    matches in memory: no index can bound the range and give another order (ESR puts the sort
 *    first, which turns the range into a filter over the whole index); the set is bounded by the
 *    range and read with the page limit (a top-k sort). A query selected by `_id` points sorts
 *    at most that many documents.
 * 4. `$or`: each branch must be selected by an index on its own (plus the other conjuncts); a
 *    sorted `$or` needs each branch to serve the sort (merge) or be `_id` points.
 * 5. Listing: a filter with no predicate at all (but `deleted: false`) passes only when sorted by
 *    an index from its first key with a limit (an index walk that stops after the page).
 * Counts follow rule 1 (and 4): a count that no index bounds counts the whole collection.
 */
export const MERGE_LIMIT = 200;

export interface Query {
  collection: string;
  op: 'find' | 'count';
  filter: Record<string, unknown>;
  sort?: SortSpec;
  limit?: number;
}

export interface Verdict {
  ok: boolean;
  /** The index (or `_id`) chosen, or why none fits. */
  reason: string;
}

type Key = [field: string, dir: 1 | -1];
const ID_INDEX: IndexSpec = { name: '_id_', keys: { _id: 1 } };

interface Fit {
  selects: boolean;
  sorts: boolean;
  /** Equality prefix length (fields bound by points). */
  prefix: number;
  idPoints: boolean;
  range: boolean;
}

function fit(index: IndexSpec, conj: Conjunction, sort: Key[], multikey: (field: string) => boolean): Fit {
  const keys = Object.entries(index.keys) as Key[];
  const lead = conj.fields.get(keys[0]?.[0] ?? '');
  const selects = lead !== undefined;
  let prefix = 0;
  let points = 1;
  while (prefix < keys.length) {
    const p = conj.fields.get((keys[prefix] as Key)[0]);
    if (p?.points === undefined) break;
    points *= p.points;
    prefix++;
  }
  const idPoints = keys[0]?.[0] === '_id' && lead?.points !== undefined;
  return { selects, sorts: servesSort(keys, prefix, points, conj, sort, multikey), prefix, idPoints, range: selects && prefix === 0 };
}

function servesSort(keys: Key[], prefix: number, points: number, conj: Conjunction, sort: Key[], multikey: (field: string) => boolean): boolean {
  const constant = (field: string) => conj.fields.get(field)?.points === 1;
  const wanted = sort.filter(([field]) => !constant(field));
  if (wanted.length === 0) return true;
  if (points > MERGE_LIMIT) return false;
  let at = prefix;
  let sign = 0;
  for (const [field, dir] of wanted) {
    while (at < keys.length && constant((keys[at] as Key)[0]) && (keys[at] as Key)[0] !== field) at++;
    const key = keys[at];
    if (!key || key[0] !== field || multikey(field)) return false;
    const s = key[1] === dir ? 1 : -1;
    if (sign !== 0 && s !== sign) return false;
    sign = s;
    at++;
  }
  return true;
}

function judge(conj: Conjunction, sort: Key[], limited: boolean, indexes: IndexSpec[], multikey: (f: string) => boolean): Verdict {
  const all = [ID_INDEX, ...indexes];
  const fits = all.map((index) => ({ index, f: fit(index, conj, sort, multikey) }));
  const name = (i: IndexSpec) => i.name ?? JSON.stringify(i.keys);
  const both = fits.find(({ f }) => f.selects && f.sorts);
  if (both) return { ok: true, reason: `index ${name(both.index)}` };
  const points = fits.find(({ f }) => f.selects && f.idPoints);
  if (points) return { ok: true, reason: `index ${name(points.index)} (_id points, sorted in memory)` };
  const equality = fits.find(({ f }) => f.selects && f.prefix > 0);
  const range = fits.find(({ f }) => f.selects && f.range);
  if (range && !equality) return { ok: true, reason: `index ${name(range.index)} (range, top-k sort in memory)` };
  const selecting = equality ?? range;
  if (selecting) return { ok: false, reason: `index ${name(selecting.index)} selects but does not serve sort ${JSON.stringify(sort)}: blocking in-memory sort` };
  for (const or of conj.ors) {
    const branches = or.map((branch) => judge(merge(conj, branch), sort, limited, indexes, multikey));
    if (branches.every((b) => b.ok)) return { ok: true, reason: `$or of ${branches.map((b) => b.reason).join(' | ')}` };
  }
  if (sort.length > 0 && limited && conj.residual.length === 0 && conj.ors.length === 0) {
    const walk = fits.find(({ f }) => f.prefix === 0 && f.sorts && !f.selects);
    if (walk) return { ok: true, reason: `listing in order of index ${name(walk.index)}` };
  }
  return { ok: false, reason: 'no index bounds the filter: collection scan' };
}

/** A branch of a `$or` together with the conjunction around it. */
function merge(outer: Conjunction, branch: Conjunction): Conjunction {
  const fields = new Map(outer.fields);
  for (const [k, v] of branch.fields) fields.set(k, v);
  return { fields, ors: branch.ors, residual: [...outer.residual, ...branch.residual] };
}

export function check(query: Query, indexes: IndexSpec[], multikey: (field: string) => boolean): Verdict {
  const sort = Object.entries(query.sort ?? {}) as Key[];
  return judge(analyse(query.filter), query.op === 'count' ? [] : sort, query.limit !== undefined && query.limit > 0, indexes, multikey);
}
