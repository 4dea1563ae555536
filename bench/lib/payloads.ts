import type { Observation, Patient } from 'fhir/r4';

/** A realistic Patient of about 1.5 KB once stored (meta added), the size of the reference body. */
export function benchPatient(n = 0): Patient {
  return {
    resourceType: 'Patient',
    identifier: [
      { use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:2.16.840.1.113883.19.5', value: `MRN-${100000 + n}` },
    ],
    active: true,
    name: [{ use: 'official', family: 'Benchmark', given: ['Alex', 'Jordan'], prefix: ['Mx.'] }],
    telecom: [
      { system: 'phone', value: '+1-555-0100', use: 'mobile' },
      { system: 'email', value: 'alex.benchmark@example.org', use: 'home' },
    ],
    gender: 'other',
    birthDate: '1980-04-12',
    address: [{ use: 'home', line: ['1 Example Street', 'Apartment 2'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' }],
    maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' }] },
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US', display: 'English (United States)' }] }, preferred: true }],
    contact: [
      {
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N', display: 'Next-of-Kin' }] }],
        name: { family: 'Benchmark', given: ['Sam'] },
        telecom: [{ system: 'phone', value: '+1-555-0101' }],
      },
    ],
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Alex Jordan Benchmark, born 1980-04-12, MRN 100000</div>' },
  };
}

/** A vital-signs Observation (heart rate) for `patientId`. */
export function benchObservation(patientId: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** The fixed body of the reference servers: a stored-looking Patient (~1.5 KB). */
export function referenceBody(): Patient {
  return { ...benchPatient(), id: 'reference', meta: { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' } };
}
