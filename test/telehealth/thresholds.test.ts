import type { Observation } from 'fhir/r4';
import { DEFAULT_THRESHOLDS, defaultTelehealthConfig, telehealthConfigFromEnv } from '../../src/telehealth/config';
import { describe as describeFinding, outOfRange } from '../../src/telehealth/rpm/thresholds';

const quantity = (value: number, code: string) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });
const obs = (code: string, value: number, unit: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  valueQuantity: quantity(value, unit),
  ...extra,
});
const bp = (systolic: number, diastolic: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: quantity(systolic, 'mm[Hg]') },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: quantity(diastolic, 'mm[Hg]') },
  ],
});

describe('vital-sign thresholds', () => {
  const { thresholds } = defaultTelehealthConfig();

  it.each([
    ['8867-4', 72, '/min', []],
    ['8867-4', 152, '/min', ['high']],
    ['8867-4', 31, '/min', ['low']],
    ['59408-5', 85, '%', ['low']],
    ['2708-6', 97, '%', []],
    ['29463-7', 260, 'kg', ['high']],
    ['2339-0', 40, 'mg/dL', ['low']],
    ['15074-8', 20, 'mmol/L', ['high']],
    ['8310-5', 39.4, 'Cel', ['high']],
    ['9279-1', 35, '/min', ['high']],
  ])('LOINC %s value %d %s → %j', (code, value, unit, bounds) => {
    expect(outOfRange(obs(code, value, unit), thresholds).map((f) => f.bound)).toEqual(bounds);
  });

  it('judges the components of a blood pressure panel one by one', () => {
    expect(outOfRange(bp(120, 80), thresholds)).toEqual([]);
    const findings = outOfRange(bp(195, 115), thresholds);
    expect(findings.map((f) => [f.code, f.bound])).toEqual([
      ['8480-6', 'high'],
      ['8462-4', 'high'],
    ]);
    expect(describeFinding(findings[0]!)).toBe('Systolic blood pressure 195 mm[Hg] is above 180 mm[Hg]');
  });

  it('converts Fahrenheit and pounds, and does not judge unknown units', () => {
    expect(outOfRange(obs('8310-5', 103, '[degF]'), thresholds).map((f) => f.bound)).toEqual(['high']);
    expect(outOfRange(obs('8310-5', 98.6, '[degF]'), thresholds)).toEqual([]);
    expect(outOfRange(obs('29463-7', 600, '[lb_av]'), thresholds).map((f) => f.bound)).toEqual(['high']);
    expect(outOfRange(obs('8867-4', 500, 'furlongs'), thresholds)).toEqual([]);
  });

  it('ignores readings entered in error and non-LOINC codes', () => {
    expect(outOfRange(obs('8867-4', 200, '/min', { status: 'entered-in-error' }), thresholds)).toEqual([]);
    const local = obs('8867-4', 200, '/min');
    local.code = { coding: [{ system: 'http://example.org/local', code: '8867-4' }] };
    expect(outOfRange(local, thresholds)).toEqual([]);
  });

  it('reads thresholds from the environment, merged over the defaults', () => {
    const config = telehealthConfigFromEnv({ RPM_THRESHOLDS: '{"8867-4": {"high": 100}, "8310-5": {"low": null}}', BINARY_MAX_BYTES: '1024' });
    expect(config.thresholds['8867-4']).toMatchObject({ low: DEFAULT_THRESHOLDS['8867-4']?.low, high: 100 });
    expect(config.thresholds['8310-5']?.low).toBeUndefined();
    expect(config.binaryMaxBytes).toBe(1024);
    expect(outOfRange(obs('8867-4', 110, '/min'), config.thresholds).map((f) => f.bound)).toEqual(['high']);
  });

  it('refuses invalid configuration at start', () => {
    expect(() => telehealthConfigFromEnv({ BINARY_MAX_BYTES: '-1' })).toThrow(/BINARY_MAX_BYTES/);
    expect(() => telehealthConfigFromEnv({ RPM_THRESHOLDS: 'nope' })).toThrow(/RPM_THRESHOLDS/);
    expect(() => telehealthConfigFromEnv({ RPM_THRESHOLDS: '{"8867-4": {"high": "x"}}' })).toThrow(/numbers/);
  });
});
