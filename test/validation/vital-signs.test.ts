import type { Observation } from 'fhir/r4';
import { errorsOf, expectIssue, hl7Fixture, HL7, variant, type Expected } from './helpers';

/**
 * The HL7 vital-signs profiles of the R4 core: each official example is valid against its
 * profile, and each profile rejects at least five broken variants with the right location.
 */
interface ProfileCase {
  profile: string;
  fixture: string;
  codeSlice: string;
}

const PROFILES: ProfileCase[] = [
  { profile: 'heartrate', fixture: 'heart-rate', codeSlice: 'HeartRateCode' },
  { profile: 'oxygensat', fixture: 'satO2', codeSlice: 'OxygenSatCode' },
  { profile: 'bodyweight', fixture: 'body-weight', codeSlice: 'BodyWeightCode' },
  { profile: 'bodytemp', fixture: 'body-temperature', codeSlice: 'BodyTempCode' },
  { profile: 'resprate', fixture: 'respiratory-rate', codeSlice: 'RespRateCode' },
  { profile: 'bp', fixture: 'blood-pressure', codeSlice: 'BPCode' },
];

const load = (fixture: string) => hl7Fixture<Observation>(`vitals/Observation-${fixture}.json`);

type Case = [string, (o: Observation) => void, Expected];

const common = (codeSlice: string): Case[] => [
  ['another LOINC code', (o) => (o.code = { coding: [{ system: 'http://loinc.org', code: '1234-5' }] }), { code: 'required', expression: 'Observation.code.coding', text: `Slice '${codeSlice}'` }],
  ['no vital-signs category', (o) => (o.category = [{ text: 'vitals' }]), { code: 'required', expression: 'Observation.category', text: "Slice 'VSCat'" }],
  ['no subject', (o) => delete o.subject, { code: 'required', expression: 'Observation.subject', text: 'Observation.subject: minimum required = 1' }],
  ['no effective time', (o) => { delete o.effectiveDateTime; delete o.effectivePeriod; }, { code: 'required', expression: 'Observation.effective' }],
  ['a year-only effective time (vs-1)', (o) => { delete o.effectivePeriod; o.effectiveDateTime = '1999'; }, { code: 'invariant', expression: 'Observation.effectiveDateTime', text: 'vs-1' }],
  ['an unknown status', (o) => (o.status = 'done' as Observation['status']), { code: 'code-invalid', expression: 'Observation.status', text: 'observation-status' }],
  ['neither value, component nor dataAbsentReason (vs-2)', (o) => { delete o.valueQuantity; delete o.component; delete o.hasMember; }, { code: 'invariant', expression: 'Observation', text: 'vs-2' }],
];

const specific: Record<string, Case[]> = {
  heartrate: [
    ['a unit other than /min', (o) => ((o.valueQuantity as { code: string }).code = 'Hz'), { code: 'value', expression: 'Observation.valueQuantity.code', text: '/min' }],
    ['a string value (closed type slicing)', (o) => { delete o.valueQuantity; o.valueString = '44'; }, { code: 'structure', expression: 'Observation.valueString' }],
  ],
  oxygensat: [['a unit other than %', (o) => ((o.valueQuantity as { code: string }).code = '1'), { code: 'value', expression: 'Observation.valueQuantity.code' }]],
  bodyweight: [['a quantity without unit', (o) => delete (o.valueQuantity as { unit?: string }).unit, { code: 'required', expression: 'Observation.valueQuantity.unit' }]],
  bodytemp: [['a non-UCUM system', (o) => ((o.valueQuantity as { system: string }).system = 'http://example.org'), { code: 'value', expression: 'Observation.valueQuantity.system' }]],
  resprate: [['a quantity without value', (o) => delete (o.valueQuantity as { value?: number }).value, { code: 'required', expression: 'Observation.valueQuantity.value' }]],
  bp: [
    ['no diastolic component', (o) => o.component?.splice(1, 1), { code: 'required', expression: 'Observation.component', text: "Slice 'DiastolicBP'" }],
    ['systolic in cm[Hg]', (o) => ((o.component?.[0]?.valueQuantity as { code: string }).code = 'cm[Hg]'), { code: 'value', expression: 'Observation.component[0].valueQuantity.code', text: 'mm[Hg]' }],
    ['a value beside the components', (o) => (o.valueQuantity = { value: 1, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }), { code: 'structure', expression: 'Observation.valueQuantity', text: "Slice 'valueQuantity'" }],
    ['a component without code', (o) => delete (o.component?.[1] as { code?: unknown }).code, { code: 'required', expression: 'Observation.component[1].code' }],
  ],
};

describe.each(PROFILES)('vital-signs profile $profile', ({ profile, fixture, codeSlice }) => {
  const url = `${HL7}${profile}`;
  const valid = load(fixture);

  it('accepts the HL7 example', () => expect(errorsOf(valid, [url])).toEqual([]));

  const cases = [...common(codeSlice), ...(specific[profile] ?? [])].filter(([name]) => !(profile === 'bp' && name.startsWith('neither')));
  it.each(cases)('rejects: %s', (_name, edit, expected) => {
    const issues = errorsOf(variant(valid, edit), [url]);
    expectIssue(issues, expected);
  });
});

describe('vitalsigns (the base vital-signs profile)', () => {
  const url = `${HL7}vitalsigns`;
  const examples = ['heart-rate', 'blood-pressure', 'satO2', 'body-weight', 'body-temperature', 'respiratory-rate', 'body-height', 'bmi', 'vitals-panel'];
  it.each(examples)('accepts the HL7 example %s', (name) => expect(errorsOf(load(name), [url])).toEqual([]));
  const valid = load('heart-rate');
  it.each(common('none').slice(1))('rejects: %s', (_name, edit, expected) => {
    expectIssue(errorsOf(variant(valid, edit), [url]), expected);
  });
  it('is applied from meta.profile', () => {
    const claimed = variant(valid, (o) => delete o.subject);
    expect(claimed.meta?.profile).toEqual([url]);
    expectIssue(errorsOf(claimed), { code: 'required', expression: 'Observation.subject' });
  });
});
