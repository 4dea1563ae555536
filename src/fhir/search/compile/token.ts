import { badRequest } from '../../outcome';
import { escapeRegex, normalizeText } from '../text';
import type { Cond } from './cond';

/** Token values → index entries (see encode.ts): code, system|code, |code, system|. */
export function tokenEntry(value: string, name: string): string {
  if (value === '') throw badRequest(`Empty token value for parameter ${name}`);
  const bar = value.indexOf('|');
  if (bar < 0) return `c:${value}`;
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (system === '' && code === '') throw badRequest(`Empty token value for parameter ${name}`);
  if (system === '') return `n:${code}`;
  if (code === '') return `s:${system}|`;
  return `sc:${system}|${code}`;
}

/** `:of-type` takes `type-system|type-code|identifier-value`. */
export function ofTypeEntry(value: string, name: string): string {
  const parts = value.split('|');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw badRequest(`Parameter ${name}:of-type needs system|code|value, not '${value}'`);
  }
  return `t:${parts[0] as string}|${parts[1] as string}|${parts[2] as string}`;
}

export function tokenCond(value: string, name: string): Cond {
  return { '': tokenEntry(value, name) };
}

/** `:text` matches the start of any word of the coding display / CodeableConcept text. */
export function tokenTextRegex(value: string): Cond {
  const text = normalizeText(value);
  return { '': { $regex: `(^|\\s)${escapeRegex(text)}` } };
}
