import type { CodeableConcept, Observation, Quantity } from 'fhir/r4';
import type { VitalRange } from '../config';

export const LOINC = 'http://loinc.org';

/** One reading outside its configured range. */
export interface OutOfRange {
  code: string;
  label: string;
  value: number;
  unit: string;
  bound: 'low' | 'high';
  limit: number;
}

/** Unit conversions to the unit a range is written in; other units are not judged (no guessing). */
const CONVERSIONS: Record<string, Record<string, (v: number) => number>> = {
  Cel: { '[degF]': (v) => ((v - 32) * 5) / 9 },
  kg: { '[lb_av]': (v) => v * 0.45359237, g: (v) => v / 1000 },
  '%': { '1': (v) => v * 100 },
};

function loincCodes(concept: CodeableConcept | undefined): string[] {
  return (concept?.coding ?? []).filter((c) => c.system === LOINC && typeof c.code === 'string').map((c) => c.code as string);
}

function inRangeUnit(quantity: Quantity, range: VitalRange): number | undefined {
  const { value } = quantity;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const unit = quantity.code ?? quantity.unit;
  if (unit === undefined || unit === range.unit) return value;
  return CONVERSIONS[range.unit]?.[unit]?.(value);
}

function judge(code: string, quantity: Quantity | undefined, thresholds: Record<string, VitalRange>): OutOfRange | undefined {
  const range = thresholds[code];
  if (!range || !quantity) return undefined;
  const value = inRangeUnit(quantity, range);
  if (value === undefined) return undefined;
  const unit = range.unit;
  if (range.low !== undefined && value < range.low) return { code, label: range.label, value, unit, bound: 'low', limit: range.low };
  if (range.high !== undefined && value > range.high) return { code, label: range.label, value, unit, bound: 'high', limit: range.high };
  return undefined;
}

/**
 * The out-of-range values of an Observation: its own valueQuantity (judged under each LOINC code
 * it carries) and each component (e.g. systolic 8480-6 / diastolic 8462-4 of a blood pressure
 * panel 85354-9). Readings marked entered-in-error or cancelled are not judged.
 */
export function outOfRange(observation: Observation, thresholds: Record<string, VitalRange>): OutOfRange[] {
  if (observation.status === 'entered-in-error' || observation.status === 'cancelled') return [];
  const found: OutOfRange[] = [];
  const seen = new Set<string>();
  const consider = (codes: string[], quantity: Quantity | undefined) => {
    for (const code of codes) {
      if (seen.has(code)) continue;
      const result = judge(code, quantity, thresholds);
      if (result) {
        seen.add(code);
        found.push(result);
        return;
      }
    }
  };
  consider(loincCodes(observation.code), observation.valueQuantity);
  for (const component of observation.component ?? []) consider(loincCodes(component.code), component.valueQuantity);
  return found;
}

/** e.g. `Heart rate 152 /min is above 130 /min` */
export function describe(finding: OutOfRange): string {
  const value = Number.isInteger(finding.value) ? String(finding.value) : finding.value.toFixed(1);
  const direction = finding.bound === 'low' ? 'below' : 'above';
  return `${finding.label} ${value} ${finding.unit} is ${direction} ${finding.limit} ${finding.unit}`;
}
