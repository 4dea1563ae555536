/**
 * Settings of the telehealth workflows, resolved once by the composition root (main.ts).
 * Every value has a default so that `telehealthModule()` works without configuration.
 */

/** An inclusive normal range for one reading; a value outside it raises a Flag. */
export interface VitalRange {
  /** Human name used in the Flag text, e.g. `Heart rate`. */
  label: string;
  low?: number;
  high?: number;
  /** The UCUM unit the range is expressed in (readings in another unit are not judged). */
  unit: string;
}

export interface TelehealthConfig {
  /** Ranges per LOINC code (component codes of a panel are judged one by one). */
  thresholds: Record<string, VitalRange>;
  /** Largest raw Binary upload accepted (413 beyond). */
  binaryMaxBytes: number;
  /** Largest stored Binary whose bytes are inlined (base64 `data`) in a FHIR JSON read. */
  binaryInlineMaxBytes: number;
  /** Video-visit join links are `${joinUrlBase}/${appointment id}`. */
  joinUrlBase: string;
  /** False turns off the out-of-range Flags (readings are still stored). */
  raiseFlags: boolean;
}

/**
 * Adult defaults, deliberately wide: they flag readings a clinician should look at today, not
 * every reading outside a textbook reference interval.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<string, VitalRange>> = Object.freeze({
  '8867-4': { label: 'Heart rate', low: 40, high: 130, unit: '/min' },
  '59408-5': { label: 'Oxygen saturation (pulse oximetry)', low: 90, unit: '%' },
  '2708-6': { label: 'Oxygen saturation (arterial)', low: 90, unit: '%' },
  '8480-6': { label: 'Systolic blood pressure', low: 90, high: 180, unit: 'mm[Hg]' },
  '8462-4': { label: 'Diastolic blood pressure', low: 50, high: 110, unit: 'mm[Hg]' },
  '29463-7': { label: 'Body weight', low: 30, high: 250, unit: 'kg' },
  '2339-0': { label: 'Glucose (blood)', low: 54, high: 250, unit: 'mg/dL' },
  '15074-8': { label: 'Glucose (blood, molar)', low: 3.0, high: 13.9, unit: 'mmol/L' },
  '8310-5': { label: 'Body temperature', low: 35, high: 38.5, unit: 'Cel' },
  '9279-1': { label: 'Respiratory rate', low: 8, high: 28, unit: '/min' },
});

export const DEFAULT_BINARY_MAX_BYTES = 100 * 1024 * 1024;

export function defaultTelehealthConfig(over: Partial<TelehealthConfig> = {}): TelehealthConfig {
  return {
    thresholds: { ...DEFAULT_THRESHOLDS, ...over.thresholds },
    binaryMaxBytes: over.binaryMaxBytes ?? DEFAULT_BINARY_MAX_BYTES,
    binaryInlineMaxBytes: over.binaryInlineMaxBytes ?? 1024 * 1024,
    joinUrlBase: (over.joinUrlBase ?? 'https://meet.telefhir.example/visit').replace(/\/+$/, ''),
    raiseFlags: over.raiseFlags ?? true,
  };
}

/**
 * Reads BINARY_MAX_BYTES, BINARY_INLINE_MAX_BYTES, VISIT_JOIN_URL_BASE, RPM_FLAGS (on|off) and
 * RPM_THRESHOLDS (JSON: `{"8867-4": {"low": 45, "high": 120}}`, merged over the defaults).
 * Invalid values throw at start rather than being silently ignored.
 */
export function telehealthConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TelehealthConfig {
  const over: Partial<TelehealthConfig> = {};
  const bytes = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (bytes), got '${raw}'`);
    return value;
  };
  over.binaryMaxBytes = bytes('BINARY_MAX_BYTES');
  over.binaryInlineMaxBytes = bytes('BINARY_INLINE_MAX_BYTES');
  if (env.VISIT_JOIN_URL_BASE) over.joinUrlBase = env.VISIT_JOIN_URL_BASE;
  if (env.RPM_FLAGS) over.raiseFlags = env.RPM_FLAGS !== 'off';
  if (env.RPM_THRESHOLDS) over.thresholds = parseThresholds(env.RPM_THRESHOLDS);
  return defaultTelehealthConfig(over);
}

function parseThresholds(raw: string): Record<string, VitalRange> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('RPM_THRESHOLDS must be JSON: {"<LOINC code>": {"low": n, "high": n}}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('RPM_THRESHOLDS must be a JSON object');
  const result: Record<string, VitalRange> = {};
  for (const [code, value] of Object.entries(parsed as Record<string, Partial<VitalRange>>)) {
    const base = DEFAULT_THRESHOLDS[code];
    if (!value || typeof value !== 'object') throw new Error(`RPM_THRESHOLDS.${code} must be an object`);
    // a bound left out keeps its default; `null` removes it
    const low = 'low' in value ? (value.low ?? undefined) : base?.low;
    const high = 'high' in value ? (value.high ?? undefined) : base?.high;
    if ((low !== undefined && typeof low !== 'number') || (high !== undefined && typeof high !== 'number')) {
      throw new Error(`RPM_THRESHOLDS.${code}: low and high must be numbers or null`);
    }
    result[code] = { label: value.label ?? base?.label ?? `LOINC ${code}`, unit: value.unit ?? base?.unit ?? '', low, high };
  }
  return result;
}
