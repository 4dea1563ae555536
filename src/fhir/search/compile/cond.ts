import type { Filter } from '../../../storage/port';

/**
 * An element condition: a filter on ONE index entry, keyed by sub-path ('' = the entry itself
 * when entries are scalars). The same condition is placed on a top-level `idx.<code>` array
 * (wrapped in $elemMatch so that all its bounds hold for the same entry) or on one component of
 * a composite tuple (keys prefixed with the component's key).
 */
export type Cond = Filter;

const LOGICAL = new Set(['$or', '$and', '$nor']);

/** Renames the keys of `cond` to live under `prefix` ('' keys become `prefix` itself). */
export function prefixCond(cond: Cond, prefix: string): Filter {
  const out: Filter = {};
  for (const [key, value] of Object.entries(cond)) {
    if (LOGICAL.has(key)) out[key] = (value as Cond[]).map((c) => prefixCond(c, prefix));
    else out[key === '' ? prefix : `${prefix}.${key}`] = value;
  }
  return out;
}

function usesScalar(cond: Cond): boolean {
  return Object.entries(cond).some(([k, v]) => k === '' || (LOGICAL.has(k) && (v as Cond[]).some(usesScalar)));
}

const isPlainValue = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Places an element condition on the multikey array at `field`. */
export function onField(field: string, cond: Cond): Filter {
  const keys = Object.keys(cond);
  if (keys.length === 1 && keys[0] === '') {
    const value = cond[''];
    // Plain equality stays plain: both engines answer it from a multikey equality index.
    if (isPlainValue(value)) return { [field]: value };
    // One operator ($regex, $gt, $in...) holds for some entry exactly when it holds for the array:
    // left plain so that MongoDB can use index bounds (anchored regex, ranges).
    if (value && typeof value === 'object' && Object.keys(value).length === 1) return { [field]: value };
    // Several bounds on scalar entries (number ranges) must hold for the same entry.
    return { [field]: { $elemMatch: value } };
  }
  if (keys.every((k) => LOGICAL.has(k)) && usesScalar(cond)) {
    // $or/$nor of scalar-entry conditions: each branch is placed on the field by itself.
    const parts = keys.map((k) => ({ [k]: (cond[k] as Cond[]).map((c) => onField(field, c)) }));
    return parts.length === 1 ? (parts[0] as Filter) : { $and: parts };
  }
  return { [field]: { $elemMatch: cond } };
}

/** OR of alternatives, collapsing plain equalities on one field into a single $in. */
export function anyOf(filters: Filter[]): Filter {
  if (filters.length === 1) return filters[0] as Filter;
  const field = Object.keys(filters[0] as Filter)[0] as string;
  const sameField = filters.every((f) => {
    const keys = Object.keys(f);
    return keys.length === 1 && keys[0] === field && isPlainValue(f[field]);
  });
  if (sameField && !field.startsWith('$')) return { [field]: { $in: filters.map((f) => f[field]) } };
  return { $or: filters };
}

export function allOf(filters: Filter[]): Filter {
  const kept = filters.filter((f) => Object.keys(f).length > 0);
  if (kept.length === 0) return {};
  return kept.length === 1 ? (kept[0] as Filter) : { $and: kept };
}
