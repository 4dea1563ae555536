import { badRequest } from '../../outcome';

/** Comparison prefixes of number, date and quantity parameters (search.html#prefix). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIX_RE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[-+.\d])/;

export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const m = PREFIX_RE.exec(value);
  return m ? { prefix: m[1] as Prefix, rest: value.slice(2) } : { prefix: 'eq', rest: value };
}

/** The implicit range of a decimal as written: `100` is [99.5, 100.5), `1.0` is [0.95, 1.05). */
export function numberRange(text: string, name: string): { value: number; lo: number; hi: number } {
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw badRequest(`Invalid number '${text}' for parameter ${name}`);
  const value = Number(text);
  const mantissa = text.split(/[eE]/)[0] as string;
  const exponent = /[eE]/.test(text) ? Number(text.split(/[eE]/)[1]) : 0;
  const decimals = mantissa.includes('.') ? (mantissa.split('.')[1] as string).length : 0;
  const half = 0.5 * 10 ** (exponent - decimals);
  return { value, lo: value - half, hi: value + half };
}
