import { badRequest } from '../../outcome';
import { escapeRegex, normalizeText } from '../text';
import type { Cond } from './cond';

/** String: default = starts with (case and accent insensitive); :contains anywhere; :exact verbatim. */
export function stringCond(value: string, modifier: string | undefined, name: string): Cond {
  if (modifier === 'exact') return { '': value };
  const text = normalizeText(value);
  if (text === '') throw badRequest(`Empty string value for parameter ${name}`);
  if (modifier === 'contains') return { '': { $regex: escapeRegex(text) } };
  return { '': { $regex: `^${escapeRegex(text)}` } };
}
