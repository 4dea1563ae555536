import { badRequest } from '../../outcome';
import { dateRange } from '../dates';
import type { Cond } from './cond';
import { splitPrefix } from './prefix';

/**
 * Date prefixes against a resource range [lo, hi] and the search range [qlo, qhi], as in
 * hl7.org/fhir/R4/search.html#prefix: eq = contained; gt = the resource goes above qhi;
 * ge = gt or eq; lt/le mirror them; sa = starts after; eb = ends before; ap = overlaps the search
 * range widened by 10% of its distance from now.
 * `loKey`/`hiKey` name the bounds inside one entry ('' for a scalar instant such as _lastUpdated).
 * Each condition also carries the bound it implies on one indexed key (lo ≤ hi in every entry), so
 * MongoDB bounds its index scan: `eq` lo ∈ [qlo, qhi]; `ge` hi ≥ qlo; `le` lo ≤ qhi.
 */
export function dateCond(text: string, name: string, loKey = 'lo', hiKey = 'hi', now = Date.now()): Cond {
  const { prefix, rest } = splitPrefix(text);
  // An unencoded `+` of a time zone offset arrives as a space after form decoding.
  const range = dateRange(rest.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!range) throw badRequest(`Invalid date '${text}' for parameter ${name}`);
  const { lo: qlo, hi: qhi } = range;
  const c = (key: string, op: string, v: number): Cond => ({ [key]: { [op]: v } });
  const both = (a: Cond, b: Cond): Cond => merge(a, b);
  const contained = both(c(loKey, '$gte', qlo), c(hiKey, '$lte', qhi));
  const eq = both(contained, c(loKey, '$lte', qhi));
  switch (prefix) {
    case 'eq':
      return eq;
    case 'ne':
      return { $or: [c(loKey, '$lt', qlo), c(hiKey, '$gt', qhi)] };
    case 'gt':
      return c(hiKey, '$gt', qhi);
    case 'lt':
      return c(loKey, '$lt', qlo);
    case 'ge':
      return { ...c(hiKey, '$gte', qlo), $or: [c(hiKey, '$gt', qhi), contained] };
    case 'le':
      return { ...c(loKey, '$lte', qhi), $or: [c(loKey, '$lt', qlo), contained] };
    case 'sa':
      return c(loKey, '$gt', qhi);
    case 'eb':
      return c(hiKey, '$lt', qlo);
    case 'ap': {
      const slack = Math.max(Math.abs(now - qlo) * 0.1, 0);
      return both(c(loKey, '$lte', qhi + slack), c(hiKey, '$gte', qlo - slack));
    }
  }
}

/** Merges two conditions, combining operator objects that land on the same key. */
function merge(a: Cond, b: Cond): Cond {
  const out: Cond = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = existing && typeof existing === 'object' ? { ...(existing as object), ...(value as object) } : value;
  }
  return out;
}
