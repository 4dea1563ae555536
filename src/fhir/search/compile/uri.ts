import { badRequest } from '../../outcome';
import { escapeRegex } from '../text';
import type { Cond } from './cond';

/** uri: exact match; :below = the value is a prefix of the uri; :above = the uri is a prefix of the value. */
export function uriCond(value: string, modifier: string | undefined, name: string): Cond {
  if (value === '') throw badRequest(`Empty uri value for parameter ${name}`);
  if (modifier === 'below') return { '': { $regex: `^${escapeRegex(value)}` } };
  if (modifier === 'above') {
    const prefixes = new Set<string>([value]);
    let cut = value;
    while (cut.includes('/')) {
      cut = cut.slice(0, cut.lastIndexOf('/'));
      if (cut.endsWith('/') || cut.endsWith(':')) break;
      prefixes.add(cut);
    }
    return { '': { $in: [...prefixes] } };
  }
  return { '': value };
}
