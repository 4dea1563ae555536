import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Observation, Patient } from 'fhir/r4';
import { validateProfiles } from '../../src/fhir/validation/profile';
import { errorsOf, expectIssue, hl7Fixture, variant } from './helpers';

/** The base definitions of R4 (profiles-resources.json / profiles-types.json), always applied. */
const perType = readdirSync(path.join(__dirname, '..', 'fixtures', 'hl7', 'per-type')).filter((f) => f.endsWith('.json'));
// HL7 examples that really break a base rule (reference targets of their type): kept as negative cases
const KNOWN_BAD: Record<string, string> = {
  'DeviceMetric.json': 'DeviceMetric.parent',
  'DeviceUseStatement.json': 'DeviceUseStatement.reasonReference[0]',
};

describe('HL7 R4 examples against the base definitions', () => {
  it.each(['Patient-example.json', 'Encounter-example.json', 'Observation-example.json', 'Appointment-example.json'])('%s has no errors', (name) => {
    expect(errorsOf(hl7Fixture(name))).toEqual([]);
  });
  it.each(perType.filter((f) => !(f in KNOWN_BAD)))('per-type/%s has no errors', (name) => {
    expect(errorsOf(hl7Fixture(`per-type/${name}`))).toEqual([]);
  });
  it.each(Object.entries(KNOWN_BAD))('per-type/%s: the reference target error HL7 left in it is found', (name, expression) => {
    expectIssue(errorsOf(hl7Fixture(`per-type/${name}`)), { code: 'structure', expression, text: 'is not allowed' });
  });
});

const observation = hl7Fixture<Observation>('Observation-example.json');

describe('base rules', () => {
  it('cardinality: a required element is missing', () => {
    expectIssue(errorsOf(variant(observation, (o) => delete (o as { code?: unknown }).code)), { code: 'required', expression: 'Observation.code', text: 'Observation.code: minimum required = 1' });
  });
  it('cardinality inside a backbone element, with its index', () => {
    const o = variant(observation, (x) => (x.component = [{ code: { text: 'a' }, valueString: 'x' }, { valueString: 'y' } as never]));
    expectIssue(errorsOf(o), { code: 'required', expression: 'Observation.component[1].code', text: 'Observation.component.code' });
  });
  it('cardinality inside a data type', () => {
    const p: Patient = { resourceType: 'Patient', contact: [{ name: { family: 'x' } }], link: [{ type: 'seealso' } as never] };
    expectIssue(errorsOf(p), { code: 'required', expression: 'Patient.link[0].other', text: 'Patient.link.other' });
  });
  it('a single-valued element given twice', () => {
    const o = { ...observation, code: [observation.code, observation.code] };
    expectIssue(errorsOf(o), { code: 'structure', expression: 'Observation.code[1]', text: 'maximum allowed = 1' });
  });
  it('two types of one choice element', () => {
    const o = { ...observation, valueString: 'heavy' };
    expectIssue(errorsOf(o), { code: 'structure', expression: 'Observation.valueString', text: 'only one type' });
  });
  it('a type the choice does not allow', () => {
    const o = { ...observation, valueUri: 'http://x' };
    delete (o as { valueQuantity?: unknown }).valueQuantity;
    expectIssue(errorsOf(o), { code: 'structure', expression: 'Observation.valueUri', text: 'not allowed' });
  });
  it('an unknown element', () => {
    expectIssue(errorsOf({ ...observation, colour: 'red' }), { code: 'structure', expression: 'Observation.colour', text: "Unknown element 'colour'" });
  });
  it('a required binding (administrative-gender)', () => {
    expectIssue(errorsOf({ resourceType: 'Patient', gender: 'woman' }), { code: 'code-invalid', expression: 'Patient.gender', text: 'administrative-gender' });
  });
  it('a required binding on a Coding inside a data type', () => {
    const p = { resourceType: 'Patient', telecom: [{ system: 'pager', value: '1' }, { system: 'telepathy', value: '2' }] };
    expectIssue(errorsOf(p), { code: 'code-invalid', expression: 'Patient.telecom[1].system', text: 'contact-point-system' });
  });
  it('bindings that cannot be expanded locally are not judged (SNOMED CT, LOINC)', () => {
    const o = variant(observation, (x) => (x.code = { coding: [{ system: 'http://loinc.org', code: 'not-a-loinc-code' }] }));
    expect(errorsOf(o)).toEqual([]);
  });
  it('an error invariant (obs-6: dataAbsentReason with a value)', () => {
    const o = variant(observation, (x) => (x.dataAbsentReason = { text: 'unknown' }));
    expectIssue(errorsOf(o), { code: 'invariant', expression: 'Observation', text: 'obs-6' });
  });
  // the invariants decided without FHIRPath (see invariants.ts) must still fail where FHIRPath would
  it.each<[string, (o: Observation) => void, string, string]>([
    ['qty-3: a Quantity code without a system', (x) => (x.valueQuantity = { value: 1, code: 'kg' }), 'Observation.valueQuantity', 'qty-3'],
    [
      'obs-7: a value and a component with the same code',
      (x) => (x.component = [{ code: x.code, valueQuantity: { value: 1 } }]),
      'Observation',
      'obs-7',
    ],
    ['ref-1: a local reference to nothing contained', (x) => (x.subject = { reference: '#missing' }), 'Observation.subject', 'ref-1'],
    [
      'dom-2: a contained resource that contains another',
      (x) => (x.contained = [{ resourceType: 'Patient', id: 'p', contained: [{ resourceType: 'Patient', id: 'q' }] } as never]),
      'Observation',
      'dom-2',
    ],
    [
      'dom-4: a contained resource with a versionId',
      (x) => {
        x.contained = [{ resourceType: 'Patient', id: 'p', meta: { versionId: '1' } }];
        x.subject = { reference: '#p' };
      },
      'Observation',
      'dom-4',
    ],
    [
      'tim-6: periodMax without period',
      (x) => {
        delete x.effectiveDateTime;
        x.effectiveTiming = { repeat: { periodMax: 2, periodUnit: 'd' } };
      },
      'Observation.effectiveTiming.repeat',
      'tim-6',
    ],
  ])('%s', (_name, change, expression, key) => {
    expectIssue(errorsOf(variant(observation, change)), { code: 'invariant', expression, text: key });
  });
  it('the same shortcuts let valid shapes through (Quantity with system, choice names, a resolved #id)', () => {
    const o = variant(observation, (x) => {
      x.contained = [{ resourceType: 'Patient', id: 'p' }];
      x.subject = { reference: '#p' };
      x.valueQuantity = { value: 1, system: 'http://unitsofmeasure.org', code: 'kg' };
    });
    expect(errorsOf(o)).toEqual([]);
  });
  it('an invariant of a data type (per-1 on Period) at its location', () => {
    const o = variant(observation, (x) => {
      delete x.effectiveDateTime;
      x.effectivePeriod = { start: '2020-01-02', end: '2020-01-01' };
    });
    expectIssue(errorsOf(o), { code: 'invariant', expression: 'Observation.effectivePeriod', text: 'per-1' });
  });
  it('a warning invariant stays a warning, and best practice only on request', () => {
    const p = { resourceType: 'Patient', contact: [{ gender: 'male' }] };
    const issues = validateProfiles(p as Patient);
    expectIssue(issues, { code: 'invariant', expression: 'Patient.contact[0]', text: 'pat-1', severity: 'error' });
    expect(issues.some((i) => i.diagnostics?.includes('dom-6'))).toBe(false);
    expectIssue(validateProfiles(p as Patient, { bestPractice: true }), { code: 'invariant', expression: 'Patient', text: 'dom-6', severity: 'warning' });
  });
  it('ele-1: an empty element', () => {
    expectIssue(errorsOf({ resourceType: 'Patient', maritalStatus: {} }), { code: 'invariant', expression: 'Patient.maritalStatus', text: 'ele-1' });
  });
  it('ext-1: an extension with both a value and extensions', () => {
    const p = { resourceType: 'Patient', extension: [{ url: 'http://x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }] };
    expectIssue(errorsOf(p), { code: 'invariant', expression: 'Patient.extension[0]', text: 'ext-1' });
  });
  it('dom-3: a contained resource nobody references', () => {
    const p = { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o1', name: 'x' }] };
    expectIssue(errorsOf(p), { code: 'invariant', expression: 'Patient.contained[0]', text: 'dom-3' });
    expect(errorsOf({ ...p, managingOrganization: { reference: '#o1' } })).toEqual([]);
  });
  it('contained resources are validated against their own base definition', () => {
    const p = { resourceType: 'Patient', managingOrganization: { reference: '#o1' }, contained: [{ resourceType: 'Organization', id: 'o1', telecom: [{ system: 'bogus' }] }] };
    expectIssue(errorsOf(p), { code: 'code-invalid', expression: 'Patient.contained[0].telecom[0].system' });
  });
  it('a reference to a type the element does not allow', () => {
    const o = variant(observation, (x) => (x.subject = { reference: 'Practitioner/1' }));
    expectIssue(errorsOf(o), { code: 'structure', expression: 'Observation.subject', text: 'a reference to Practitioner is not allowed' });
  });
  it('primitive extensions (_element) are checked too', () => {
    const p = { resourceType: 'Patient', birthDate: '1970-01-01', _birthDate: { extension: [{ url: 'http://x' }] } };
    expectIssue(errorsOf(p), { code: 'invariant', expression: 'Patient.birthDate.extension[0]', text: 'ext-1' });
  });
  it('an unknown profile is a warning, a profile of another type an error', () => {
    const warn = validateProfiles({ ...observation, meta: { profile: ['http://example.org/StructureDefinition/unknown'] } });
    expectIssue(warn, { code: 'not-supported', expression: 'Observation.meta.profile[0]', severity: 'warning', text: 'not known' });
    expect(warn.filter((i) => i.severity === 'error')).toEqual([]);
    const wrong = errorsOf({ ...observation, meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] } });
    expectIssue(wrong, { code: 'structure', expression: 'Observation.meta.profile[0]', text: 'constrains Patient' });
  });
  it('an unknown resource type', () => {
    expectIssue(errorsOf({ resourceType: 'Spaceship' }), { code: 'structure', expression: 'resourceType' });
  });
});

describe('cost on the write path', () => {
  it('checks a typical Observation against its base definition well under 2 ms', () => {
    for (let i = 0; i < 50; i++) validateProfiles(observation);
    // best of several batches: the cost of the check itself, not of other processes on the machine
    const batches: number[] = [];
    for (let b = 0; b < 7; b++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) validateProfiles(observation);
      batches.push(Number(process.hrtime.bigint() - start) / 1e6 / 100);
    }
    expect(Math.min(...batches)).toBeLessThan(1);
  });
});
