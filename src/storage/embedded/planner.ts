import type { Filter } from '../port';
import { isIndexableScalar, type IndexKey } from './keys';
import type { Table } from './table';

/**
 * Chooses the candidates of a filter from the equality indexes. A plan is only ever a superset
 * of the matching documents (mingo decides), so any term we cannot use is simply ignored:
 * - `{path: scalar}`, `{path: {$eq}}`, `{path: {$in: [...]}}` and `{path: {$all: [...]}}` on an
 *   indexed path (or `_id`) give the ids under those keys;
 * - the terms of a document and of `$and` are a conjunction: the smallest plan wins;
 * - `$or` is usable only when every branch is: the union of the branches.
 * No plan means a full scan.
 */
export interface Plan {
  /** Index names used, for explain(). */
  index: string;
  /** Upper bound of the candidates (cheap: sizes of the key sets). */
  estimate: number;
  ids(): Iterable<string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RegExp);
}

const allScalars = (values: unknown): values is IndexKey[] => Array.isArray(values) && values.every(isIndexableScalar);

/** The keys an equality-like condition on one path can match, or undefined when not usable. */
function equalityKeys(condition: unknown): IndexKey[] | undefined {
  if (isIndexableScalar(condition)) return [condition];
  if (!isPlainObject(condition)) return undefined;
  const operators = Object.keys(condition);
  if (operators.length === 0 || !operators.every((op) => op.startsWith('$'))) return undefined;
  if (isIndexableScalar(condition.$eq)) return [condition.$eq];
  if (allScalars(condition.$in)) return condition.$in;
  if (allScalars(condition.$all) && condition.$all.length > 0) return [condition.$all[0] as IndexKey];
  return undefined;
}

function planTerm(table: Table, path: string, condition: unknown): Plan | undefined {
  const keys = equalityKeys(condition);
  // a numeric segment may address an array position, which the multikey walk does not model
  if (!keys || /(^|\.)\d+(\.|$)/.test(path)) return undefined;
  if (path === '_id') {
    const ids = keys.filter((k): k is string => typeof k === 'string' && table.has(k));
    return { index: '_id', estimate: ids.length, ids: () => new Set(ids) };
  }
  const index = table.indexOn(path);
  if (!index) return undefined;
  return { index: path, estimate: index.estimate(keys), ids: () => index.ids(keys) };
}

function union(plans: Plan[]): Plan {
  return {
    index: `$or(${plans.map((p) => p.index).join(',')})`,
    estimate: plans.reduce((n, p) => n + p.estimate, 0),
    ids: () => {
      const all = new Set<string>();
      for (const plan of plans) for (const id of plan.ids()) all.add(id);
      return all;
    },
  };
}

export function planFilter(table: Table, filter: Filter): Plan | undefined {
  let best: Plan | undefined;
  const consider = (plan: Plan | undefined) => {
    if (plan && (!best || plan.estimate < best.estimate)) best = plan;
  };
  for (const key in filter) {
    const value = filter[key];
    if (key === '$and' && Array.isArray(value)) {
      for (const sub of value) if (isPlainObject(sub)) consider(planFilter(table, sub));
    } else if (key === '$or' && Array.isArray(value) && value.length > 0) {
      const branches = value.map((sub) => (isPlainObject(sub) ? planFilter(table, sub) : undefined));
      if (branches.every((b): b is Plan => b !== undefined)) consider(union(branches));
    } else if (!key.startsWith('$')) {
      consider(planTerm(table, key, value));
    }
  }
  return best;
}
