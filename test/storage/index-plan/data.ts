import type { FhirResource as Resource } from 'fhir/r4';

/** Representative telehealth data: two patients, a clinician with a schedule and slots, vitals, visits. */
export const LOINC = 'http://loinc.org';
export const MRN = 'http://hospital.example/mrn';

export const patients = (): Resource[] => [
  { resourceType: 'Patient', id: 'pat1', identifier: [{ system: MRN, value: 'MRN-77' }], name: [{ family: 'Nguyễn', given: ['An'] }], birthDate: '1990-07-14', telecom: [{ system: 'phone', value: '555-0101' }] },
  { resourceType: 'Patient', id: 'pat2', identifier: [{ system: MRN, value: 'MRN-78' }], name: [{ family: 'Smith', given: ['Jo'] }], birthDate: '1975-02-01' },
];

export const others = (): Resource[] => [
  { resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'Okafor', given: ['Chidi'] }] },
  { resourceType: 'Organization', id: 'org1', name: 'Riverside Clinic' },
  { resourceType: 'Location', id: 'loc1', name: 'Clinic Room 1', status: 'active' },
  { resourceType: 'RelatedPerson', id: 'rp1', patient: { reference: 'Patient/pat1' }, name: [{ family: 'Nguyen', given: ['Bao'] }] },
  { resourceType: 'Schedule', id: 'sch1', active: true, actor: [{ reference: 'Practitioner/dr1' }] },
  { resourceType: 'Device', id: 'dev1', identifier: [{ system: 'https://telefhir.example/device-serial', value: 'HR-1' }], status: 'active' },
  ...[0, 1, 2].map((n): Resource => ({
    resourceType: 'Slot',
    id: `slot${n}`,
    schedule: { reference: 'Schedule/sch1' },
    status: 'free',
    start: `2030-01-07T${String(8 + n).padStart(2, "0")}:00:00Z`,
    end: `2030-01-07T${String(8 + n).padStart(2, "0")}:20:00Z`,
  })),
];

export function observation(id: string, patient: string, code: string, value: number, day: number): Resource {
  return {
    resourceType: 'Observation',
    id,
    identifier: [{ system: 'https://telefhir.example/reading', value: id }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code }], text: 'heart rate' },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: `2025-01-${String(day).padStart(2, '0')}T08:00:00Z`,
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

export const bloodPressure = (id: string, patient: string): Resource => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: LOINC, code: '85354-9' }] },
  subject: { reference: `Patient/${patient}` },
  effectiveDateTime: '2025-01-03T08:00:00Z',
  component: [
    { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 150, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 95, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
  ],
});

export const encounter = (id: string, patient: string): Resource => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
  subject: { reference: `Patient/${patient}` },
  period: { start: '2025-01-02T09:00:00Z', end: '2025-01-02T09:30:00Z' },
});

export const provenance = (target: string): Resource => ({
  resourceType: 'Provenance',
  target: [{ reference: target }],
  recorded: '2025-01-02T10:00:00Z',
  agent: [{ who: { reference: 'Practitioner/dr1' } }],
});
