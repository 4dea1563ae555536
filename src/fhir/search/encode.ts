import { dateRange, MAX_TIME, MIN_TIME, type Range } from './dates';
import { normalizeText } from './text';

/**
 * FHIR element values (as returned by FHIRPath) → index entries, one function per parameter type.
 * Encodings are plain strings, numbers and small objects of them so that MongoDB and the embedded
 * engine compare them identically (DESIGN.md, "Resource documents").
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Token entries: `c:code`, `sc:system|code`, `s:system|`, `n:code` (no system); text goes to `text`. */
export function encodeToken(value: unknown, out: string[], text: string[]): void {
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    out.push(`c:${String(value)}`, `n:${String(value)}`);
    return;
  }
  if (!isObject(value)) return;
  if (Array.isArray(value.coding) || str(value.text)) {
    for (const coding of (value.coding as unknown[] | undefined) ?? []) encodeToken(coding, out, text);
    if (str(value.text)) text.push(normalizeText(value.text as string));
    return;
  }
  const system = str(value.system);
  // Coding: code; Identifier and ContactPoint: value.
  const code = str(value.code) ?? (typeof value.value === 'string' ? value.value : undefined);
  if (code !== undefined) {
    out.push(`c:${code}`);
    out.push(system ? `sc:${system}|${code}` : `n:${code}`);
  }
  if (system) out.push(`s:${system}|`);
  if (str(value.display)) text.push(normalizeText(value.display as string));
  if (isObject(value.type)) {
    // Identifier.type for :of-type (system|code|value), and its text for :text.
    const type = value.type;
    if (str(type.text)) text.push(normalizeText(type.text as string));
    for (const coding of (type.coding as Json[] | undefined) ?? []) {
      if (str(coding.code) && code !== undefined) out.push(`t:${str(coding.system) ?? ''}|${coding.code as string}|${code}`);
      if (str(coding.display)) text.push(normalizeText(coding.display as string));
    }
  }
}

const NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'];
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'];

/** String entries: normalised values for default/:contains, raw values for :exact. */
export function encodeString(value: unknown, out: string[], exact: string[]): void {
  if (typeof value === 'string') {
    out.push(normalizeText(value));
    exact.push(value);
    return;
  }
  if (!isObject(value)) return;
  const parts = 'family' in value || 'given' in value ? NAME_PARTS : 'city' in value || 'line' in value || 'postalCode' in value ? ADDRESS_PARTS : Object.keys(value);
  for (const key of parts) {
    const part = value[key];
    for (const item of Array.isArray(part) ? part : [part]) {
      if (typeof item === 'string') encodeString(item, out, exact);
    }
  }
}

/** Date entries: one {lo, hi} range per date, dateTime, instant, Period or Timing event. */
export function encodeDate(value: unknown, out: Range[]): void {
  if (typeof value === 'string') {
    const range = dateRange(value);
    if (range) out.push(range);
    return;
  }
  if (!isObject(value)) return;
  if ('start' in value || 'end' in value) {
    const start = typeof value.start === 'string' ? dateRange(value.start) : undefined;
    const end = typeof value.end === 'string' ? dateRange(value.end) : undefined;
    if (start || end) out.push({ lo: start?.lo ?? MIN_TIME, hi: end?.hi ?? MAX_TIME });
    return;
  }
  if (Array.isArray(value.event)) for (const event of value.event) encodeDate(event, out);
  const repeat = value.repeat;
  if (isObject(repeat) && isObject(repeat.boundsPeriod)) encodeDate(repeat.boundsPeriod, out);
}

export function encodeNumber(value: unknown, out: number[]): void {
  if (typeof value === 'number' && Number.isFinite(value)) out.push(value);
  else if (isObject(value) && typeof value.value === 'number') out.push(value.value);
}

export interface QuantityEntry {
  v: number;
  s?: string;
  c?: string;
  u?: string;
}

/** Quantity entries (Quantity, Age, Duration, Money, SimpleQuantity); Range contributes its bounds. */
export function encodeQuantity(value: unknown, out: QuantityEntry[]): void {
  if (typeof value === 'number') {
    out.push({ v: value });
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.value === 'number') {
    const entry: QuantityEntry = { v: value.value };
    if (str(value.system)) entry.s = value.system as string;
    if (str(value.code)) entry.c = value.code as string;
    else if (str(value.currency)) entry.c = value.currency as string;
    if (str(value.unit)) entry.u = value.unit as string;
    out.push(entry);
    return;
  }
  if ('low' in value || 'high' in value) {
    encodeQuantity(value.low, out);
    encodeQuantity(value.high, out);
  }
}

const TYPED_TAIL = /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * Reference entries: `Type/id` for literal references (an absolute URL also keeps its `Type/id`
 * tail, so references written against this server's base match relative searches), the canonical
 * URL with and without `|version`, and `i:system|value` / `iv:value` for :identifier.
 */
export function encodeReference(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    addReferenceText(value, out);
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.reference === 'string') addReferenceText(value.reference, out);
  const identifier = value.identifier;
  if (isObject(identifier) && str(identifier.value)) {
    out.push(`iv:${identifier.value as string}`);
    out.push(`i:${str(identifier.system) ?? ''}|${identifier.value as string}`);
  }
}

function addReferenceText(text: string, out: string[]): void {
  if (text.startsWith('#') || text.length === 0) return;
  const bar = text.indexOf('|');
  if (bar > 0) {
    out.push(text, text.slice(0, bar));
    return;
  }
  const tail = TYPED_TAIL.exec(text)?.[1];
  if (tail !== undefined) out.push(tail);
  if (tail !== text) out.push(text);
}

export function encodeUri(value: unknown, out: string[]): void {
  if (typeof value === 'string' && value.length > 0) out.push(value);
}
