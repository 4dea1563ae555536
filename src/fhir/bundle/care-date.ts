import type { Resource } from 'fhir/r4';

/**
 * The clinically relevant time of a resource ("care dates, not record currency dates", as
 * $everything's start/end put it; the effective time $lastn sorts by), as an epoch-ms range.
 * Undefined when the resource carries none of the usual elements.
 */
const INSTANT_ELEMENTS = [
  'effectiveDateTime',
  'effectiveInstant',
  'occurrenceDateTime',
  'onsetDateTime',
  'performedDateTime',
  'authoredOn',
  'recordedDate',
  'issued',
  'date',
  'created',
  'started',
  'recorded',
  'sent',
  'start',
] as const;
const PERIOD_ELEMENTS = ['effectivePeriod', 'occurrencePeriod', 'onsetPeriod', 'performedPeriod', 'period', 'whenHandedOver'] as const;

export interface CareRange {
  lo: number;
  hi: number;
}

export function careRange(resource: Resource): CareRange | undefined {
  const r = resource as unknown as Record<string, unknown>;
  for (const name of PERIOD_ELEMENTS) {
    const period = r[name];
    if (period && typeof period === 'object') {
      const { start, end } = period as { start?: string; end?: string };
      const lo = start ? dateRange(start)?.lo : undefined;
      const hi = end ? dateRange(end)?.hi : undefined;
      if (lo !== undefined || hi !== undefined) return { lo: lo ?? Number.NEGATIVE_INFINITY, hi: hi ?? Number.POSITIVE_INFINITY };
    }
  }
  for (const name of INSTANT_ELEMENTS) {
    const value = r[name];
    if (typeof value === 'string') {
      const range = dateRange(value);
      if (range) return range;
    }
  }
  return undefined;
}

/**
 * A FHIR date/dateTime/instant as the range it denotes: `2024` is the whole year, `2024-05-01`
 * the whole day (UTC when no offset is given), a full instant a single millisecond.
 */
export function dateRange(value: string): CareRange | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m;
  const year = Number(y);
  if (mo === undefined) return { lo: Date.UTC(year, 0, 1), hi: Date.UTC(year + 1, 0, 1) - 1 };
  const month = Number(mo) - 1;
  if (d === undefined) return { lo: Date.UTC(year, month, 1), hi: Date.UTC(year, month + 1, 1) - 1 };
  if (h === undefined || mi === undefined) {
    const lo = Date.UTC(year, month, Number(d));
    return { lo, hi: lo + 86_400_000 - 1 };
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return m[6] === undefined ? { lo: ms, hi: ms + 59_999 } : { lo: ms, hi: ms + (m[7] ? 0 : 999) };
}
