import { badRequest } from '../../outcome';
import type { Cond } from './cond';
import { numberRange, splitPrefix } from './prefix';

/**
 * number and quantity prefixes against a stored value v (search.html#number): `eq 100` is the
 * implicit range [99.5, 100.5); gt/lt/ge/le compare with the exact value; sa/eb = gt/lt;
 * ap = within 10% of the value.
 */
function valueCond(text: string, name: string, key: string): Cond {
  const { prefix, rest } = splitPrefix(text);
  const { value, lo, hi } = numberRange(rest, name);
  const on = (op: Record<string, number>): Cond => ({ [key]: op });
  switch (prefix) {
    case 'eq':
      return on({ $gte: lo, $lt: hi });
    case 'ne':
      return { $or: [on({ $lt: lo }), on({ $gte: hi })] };
    case 'gt':
    case 'sa':
      return on({ $gt: value });
    case 'lt':
    case 'eb':
      return on({ $lt: value });
    case 'ge':
      return on({ $gte: value });
    case 'le':
      return on({ $lte: value });
    case 'ap': {
      const slack = Math.abs(value) * 0.1;
      return on({ $gte: value - slack, $lte: value + slack });
    }
  }
}

export function numberCond(text: string, name: string): Cond {
  return valueCond(text, name, '');
}

/** `[prefix]number|system|code`: with a system, code must equal; without, code or unit may match. */
export function quantityCond(text: string, name: string): Cond {
  const parts = text.split('|');
  if (parts.length !== 1 && parts.length !== 3) throw badRequest(`Invalid quantity '${text}' for parameter ${name}`);
  const [number, system, code] = parts as [string, string | undefined, string | undefined];
  const cond = valueCond(number, name, 'v');
  const extra: Cond[] = [];
  if (system) extra.push({ s: system });
  if (code) extra.push(system ? { c: code } : { $or: [{ c: code }, { u: code }] });
  if (extra.length === 0) return cond;
  return { $and: [cond, ...extra] };
}
