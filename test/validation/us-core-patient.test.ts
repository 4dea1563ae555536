import type { Patient } from 'fhir/r4';
import { errorsOf, expectIssue, variant, type Expected } from './helpers';

const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
const RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';

const patient: Patient = {
  resourceType: 'Patient',
  meta: { profile: [US_CORE] },
  extension: [
    {
      url: RACE,
      extension: [
        { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' } },
        { url: 'text', valueString: 'White' },
      ],
    },
  ],
  identifier: [{ system: 'http://hospital.example.org/mrn', value: '1032702' }],
  name: [{ family: 'Shaw', given: ['Amy'] }],
  telecom: [{ system: 'phone', value: '555-555-5555', use: 'home' }],
  gender: 'female',
  birthDate: '1987-02-20',
};

type Case = [string, (p: Patient) => void, Expected];

describe('US Core Patient 5.0.1', () => {
  it('accepts a conformant patient', () => expect(errorsOf(patient)).toEqual([]));

  const cases: Case[] = [
    ['no identifier', (p) => delete p.identifier, { code: 'required', expression: 'Patient.identifier' }],
    ['an identifier without system', (p) => delete p.identifier?.[0]?.system, { code: 'required', expression: 'Patient.identifier[0].system' }],
    ['no name', (p) => delete p.name, { code: 'required', expression: 'Patient.name' }],
    ['a name with neither family nor given (us-core-6)', (p) => (p.name = [{ text: 'Amy Shaw' }]), { code: 'invariant', expression: 'Patient', text: 'us-core-6' }],
    ['no gender', (p) => delete p.gender, { code: 'required', expression: 'Patient.gender' }],
    ['a telecom without value', (p) => delete p.telecom?.[0]?.value, { code: 'required', expression: 'Patient.telecom[0].value' }],
    ['a race extension without its text', (p) => p.extension?.[0]?.extension?.pop(), { code: 'required', expression: 'Patient.extension[0].extension', text: "Slice 'text'" }],
    ['a race extension with a value', (p) => ((p.extension?.[0] as { valueString?: string }).valueString = 'White'), { code: 'invariant', expression: 'Patient.extension[0]', text: 'ext-1' }],
    ['an unknown gender code', (p) => (p.gender = 'f' as Patient['gender']), { code: 'code-invalid', expression: 'Patient.gender', text: 'administrative-gender' }],
  ];
  it.each(cases)('rejects: %s', (_name, edit, expected) => {
    expectIssue(errorsOf(variant(patient, edit)), expected);
  });
});
