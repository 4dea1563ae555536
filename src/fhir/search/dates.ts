/**
 * FHIR date / dateTime / instant text → the range of instants it denotes, in epoch ms, honouring
 * precision (hl7.org/fhir/R4/search.html#date): `2024` is the whole year, `2024-03-05T10:00` a
 * whole minute. Values without a time zone are read as UTC (the server's documented local time).
 */
export interface Range {
  lo: number;
  hi: number;
}

/** Open ends of a Period, kept as plain numbers so both engines compare them the same way. */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function dateRange(text: string): Range | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo) - 1;
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 0 || month > 11)) return undefined;
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  if (h !== undefined && (Number(h) > 24 || Number(mi) > 59 || (s !== undefined && Number(s) > 60))) return undefined;
  if (month === undefined) return { lo: Date.UTC(year, 0, 1), hi: Date.UTC(year + 1, 0, 1) - 1 };
  if (day === undefined) return { lo: Date.UTC(year, month, 1), hi: Date.UTC(year, month + 1, 1) - 1 };
  if (h === undefined) {
    const lo = Date.UTC(year, month, day);
    if (new Date(lo).getUTCDate() !== day) return undefined;
    return { lo, hi: lo + 86_400_000 - 1 };
  }
  const offset = tz === undefined || tz === 'Z' ? 0 : tzOffsetMs(tz);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const lo = Date.UTC(year, month, day, Number(h), Number(mi), s === undefined ? 0 : Number(s), ms) - offset;
  if (Number.isNaN(lo)) return undefined;
  const width = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
  return { lo, hi: lo + width - 1 };
}

function tzOffsetMs(tz: string): number {
  const sign = tz.startsWith('-') ? -1 : 1;
  return sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
}
