/**
 * A MongoDB filter → what an index can use of it, following the query planner's documented
 * index-bounds rules (docs: "Multikey Index Bounds", "$elemMatch", "$regex index use"):
 * - `{f: v}`, `{f: {$eq: v}}` and `{f: {$in: [...]}}` are point intervals (equality);
 * - `$gt/$gte/$lt/$lte` and a case-sensitive regex anchored with `^` are ranges;
 * - `$elemMatch: {sub: …}` on an array of sub-documents bounds the `f.sub` index keys (bounds on
 *   several sub-fields of one element compound only inside `$elemMatch`); `$elemMatch` of
 *   operators on an array of scalars bounds `f`;
 * - `$ne`, `$nin`, `$not`, `$exists`, unanchored regexes and everything nested under a logical
 *   operator inside `$elemMatch` give no bounds (the planner scans [MinKey, MaxKey]);
 * - a top-level `$and` is one conjunction; a `$or` is kept apart: it is usable only when each
 *   branch is indexed (the planner's OR stage).
 */
export interface FieldPredicate {
  /** Number of point intervals (1 for `{f: v}`, n for `$in`), undefined when not an equality. */
  points?: number;
  range: boolean;
}

export interface Conjunction {
  fields: Map<string, FieldPredicate>;
  /** Each `$or` of the conjunction, as the conjunctions of its branches. */
  ors: Conjunction[][];
  /** Fields with a predicate that gives no bounds ($regex, $ne, $exists...): selective but unindexed. */
  residual: string[];
}

/** Every current-collection query carries `deleted: false`; tombstones are few, so it selects nothing. */
const UNSELECTIVE = new Set(['deleted']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RegExp);
const RANGE_OPS = new Set(['$gt', '$gte', '$lt', '$lte']);

function anchored(regex: unknown, options: unknown): boolean {
  const source = regex instanceof RegExp ? regex.source : typeof regex === 'string' ? regex : '';
  const flags = regex instanceof RegExp ? regex.flags : typeof options === 'string' ? options : '';
  return source.startsWith('^') && !flags.includes('i');
}

function add(conj: Conjunction, field: string, pred: FieldPredicate): void {
  const old = conj.fields.get(field);
  if (!old) {
    conj.fields.set(field, pred);
    return;
  }
  const points = old.points !== undefined && pred.points !== undefined ? Math.min(old.points, pred.points) : (old.points ?? pred.points);
  conj.fields.set(field, points === undefined ? { range: old.range || pred.range } : { points, range: false });
}

/** The usable predicate of one operator object on `field`, or undefined when it gives no bounds. */
function operatorPredicate(ops: Json): FieldPredicate | undefined {
  if ('$eq' in ops) return { points: 1, range: false };
  if (Array.isArray(ops.$in)) return { points: ops.$in.length, range: false };
  if (Object.keys(ops).some((op) => RANGE_OPS.has(op))) return { range: true };
  if ('$regex' in ops && anchored(ops.$regex, ops.$options)) return { range: true };
  return undefined;
}

function addCondition(conj: Conjunction, field: string, condition: unknown): void {
  const before = conj.fields.size;
  addBounds(conj, field, condition);
  if (conj.fields.size === before && !conj.fields.has(field) && !UNSELECTIVE.has(field)) conj.residual.push(field);
}

function addBounds(conj: Conjunction, field: string, condition: unknown): void {
  if (UNSELECTIVE.has(field)) return;
  if (!isObject(condition)) {
    if (condition instanceof RegExp) {
      if (anchored(condition, undefined)) add(conj, field, { range: true });
      return;
    }
    add(conj, field, { points: 1, range: false });
    return;
  }
  const keys = Object.keys(condition);
  if (keys.length > 0 && !keys.every((k) => k.startsWith('$'))) {
    add(conj, field, { points: 1, range: false }); // equality with a whole sub-document
    return;
  }
  if (isObject(condition.$elemMatch)) {
    addElemMatch(conj, field, condition.$elemMatch);
    return;
  }
  const pred = operatorPredicate(condition);
  if (pred) add(conj, field, pred);
}

const SCALAR_OPS = new Set([...RANGE_OPS, '$eq', '$in', '$regex']);

/** `$elemMatch`: operators on scalar elements bound `field`; sub-field conditions (and their `$and`) bound `field.sub`. */
function addElemMatch(conj: Conjunction, field: string, inner: Json): void {
  if (Object.keys(inner).some((k) => SCALAR_OPS.has(k))) {
    const pred = operatorPredicate(inner);
    if (pred) add(conj, field, pred);
    return;
  }
  for (const [key, value] of Object.entries(inner)) {
    if (key === '$and' && Array.isArray(value)) for (const sub of value) addElemMatch(conj, field, sub as Json);
    else if (!key.startsWith('$')) addCondition(conj, `${field}.${key}`, value);
  }
}

export function analyse(filter: Json): Conjunction {
  const conj: Conjunction = { fields: new Map(), ors: [], residual: [] };
  const visit = (f: Json) => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) for (const sub of value) visit(sub as Json);
      else if (key === '$or' && Array.isArray(value)) conj.ors.push(value.map((sub) => analyse(sub as Json)));
      else if (!key.startsWith('$')) addCondition(conj, key, value);
      // $nor, $expr, $where: no bounds
    }
  };
  visit(filter);
  return conj;
}
