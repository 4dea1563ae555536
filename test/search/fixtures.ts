import type { Resource } from 'fhir/r4';
import { indexResource } from '../../src/fhir/search/api';
import type { ResourceDocument } from '../../src/fhir/resource-document';
import type { DocumentStore } from '../../src/storage/port';

/**
 * Hand-made resources with known answers for the search table. Ids are written `~p1` and prefixed
 * with a per-run marker so that the MongoDB run never collides with earlier runs; every resource
 * also carries the marker as a tag, which the runner adds to each query on MongoDB.
 */
export const TAG_SYSTEM = 'urn:telefhir:test-run';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const vital = { coding: [{ system: CAT, code: 'vital-signs', display: 'Vital Signs' }] };
const hr = { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' };

type Fixture = { resource: Record<string, unknown>; lastUpdated: string; deleted?: boolean };

const fixtures: Fixture[] = [
  {
    lastUpdated: '2024-01-01T10:00:00Z',
    resource: {
      resourceType: 'Patient', id: '~p1', active: true, gender: 'male', birthDate: '1980-05-02',
      name: [{ use: 'official', family: 'Smith', given: ['José', 'Maria'] }],
      identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'Medical record number' } }],
      telecom: [{ system: 'phone', value: '555-0101', use: 'home' }, { system: 'email', value: 'jose@example.org' }],
      address: [{ line: ['1 Bahnhofstrasse'], city: 'Zürich', postalCode: '8001', country: 'CH' }],
      generalPractitioner: [{ reference: 'Practitioner/~dr1' }],
      managingOrganization: { reference: 'Organization/~org1' },
    },
  },
  {
    lastUpdated: '2024-02-01T10:00:00Z',
    resource: {
      resourceType: 'Patient', id: '~p2', active: false, gender: 'female', birthDate: '1975-11-20',
      name: [{ family: 'Smithson', given: ['Anna'] }],
      identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-2' }],
      address: [{ city: 'Boston', state: 'MA', postalCode: '02110' }],
      managingOrganization: { reference: 'http://localhost:8080/fhir/Organization/~org1' },
    },
  },
  {
    lastUpdated: '2024-03-01T10:00:00Z',
    resource: {
      resourceType: 'Patient', id: '~p3', gender: 'male', birthDate: '2001', deceasedDateTime: '2020-01-01',
      name: [{ family: 'Jones', given: ['Bob'], prefix: ['Mr.'] }],
      identifier: [{ system: 'http://other.example/id', value: 'X-3' }],
    },
  },
  { lastUpdated: '2024-03-02T10:00:00Z', deleted: true, resource: { resourceType: 'Patient', id: '~pdel', name: [{ family: 'Smith' }] } },
  {
    lastUpdated: '2024-01-01T09:00:00Z',
    resource: { resourceType: 'Practitioner', id: '~dr1', name: [{ family: 'Who', given: ['Doctor'] }], identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '111' }] },
  },
  { lastUpdated: '2024-01-01T09:00:00Z', resource: { resourceType: 'Practitioner', id: '~dr2', name: [{ family: 'Grey', given: ['Meredith'] }] } },
  { lastUpdated: '2024-01-01T08:00:00Z', resource: { resourceType: 'Organization', id: '~org1', name: 'Acme Clinic', active: true } },
  {
    lastUpdated: '2024-01-15T10:05:00Z',
    resource: {
      resourceType: 'Observation', id: '~o1', status: 'final', category: [vital], code: hr,
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'], source: 'urn:device:watch-1', tag: [{ system: 'http://example.org/tags', code: 'rpm' }] },
      subject: { reference: 'Patient/~p1' }, encounter: { reference: 'Encounter/~e1' }, performer: [{ reference: 'Practitioner/~dr1' }],
      effectiveDateTime: '2024-01-15T10:00:00Z', valueQuantity: { value: 72, unit: 'beats/minute', system: UCUM, code: '/min' },
    },
  },
  {
    lastUpdated: '2024-03-01T08:35:00Z',
    resource: {
      resourceType: 'Observation', id: '~o2', status: 'final', category: [vital], code: hr,
      subject: { reference: 'Patient/~p1' }, effectiveDateTime: '2024-03-01T08:30:00Z', valueQuantity: { value: 88, unit: 'beats/minute', system: UCUM, code: '/min' },
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
    },
  },
  {
    lastUpdated: '2024-01-01T00:10:00Z',
    resource: {
      resourceType: 'Observation', id: '~o3', status: 'preliminary', category: [vital], code: hr,
      subject: { reference: 'Patient/~p1' }, effectiveDateTime: '2023-12-31T23:00:00Z', valueQuantity: { value: 60, unit: 'beats/minute', system: UCUM, code: '/min' },
    },
  },
  {
    lastUpdated: '2024-02-10T10:00:00Z',
    resource: {
      resourceType: 'Observation', id: '~o4', status: 'final', category: [vital],
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bodyweight'] },
      code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
      subject: { reference: 'Patient/~p2' }, effectiveDateTime: '2024-02-10', valueQuantity: { value: 70.5, unit: 'kg', system: UCUM, code: 'kg' },
    },
  },
  {
    lastUpdated: '2024-02-01T01:10:00Z',
    resource: {
      resourceType: 'Observation', id: '~o5', status: 'final', category: [vital],
      code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
      subject: { reference: 'Patient/~p1' }, effectivePeriod: { start: '2024-02-01T00:00:00Z', end: '2024-02-01T01:00:00Z' },
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: { value: 120, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: { value: 80, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
      ],
    },
  },
  {
    lastUpdated: '2024-05-01T10:00:00Z',
    resource: {
      resourceType: 'Observation', id: '~o6', status: 'amended',
      code: { coding: [{ system: LOINC, code: '72166-2', display: 'Tobacco smoking status' }] },
      subject: { reference: 'Patient/~p3' }, effectiveDateTime: '2024',
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '449868002', display: 'Current every day smoker' }], text: 'Current smoker' },
    },
  },
  {
    lastUpdated: '2024-02-10T11:00:00Z',
    resource: {
      resourceType: 'Observation', id: '~o7', status: 'cancelled', code: { coding: [{ system: LOINC, code: '8867-4' }], text: 'Pulse' },
      subject: { reference: 'Patient/~p2' }, effectiveDateTime: '2024-02-10T12:00:00+02:00', valueQuantity: { value: 100, unit: 'beats/minute', system: UCUM, code: '/min' },
    },
  },
  {
    lastUpdated: '2022-06-01T10:00:00Z',
    resource: {
      resourceType: 'Observation', id: '~o8', status: 'final', code: { coding: [{ code: 'xyz' }] },
      effectiveDateTime: '2022-06-01', valueString: 'Positive result',
      basedOn: [{ identifier: { system: 'http://acme.org/orders', value: 'ORD-1' } }],
    },
  },
  {
    lastUpdated: '2024-01-15T10:30:00Z',
    resource: {
      resourceType: 'Encounter', id: '~e1', status: 'finished', class: { system: ACT, code: 'VR', display: 'virtual' },
      subject: { reference: 'Patient/~p1' }, participant: [{ individual: { reference: 'Practitioner/~dr1' } }],
      period: { start: '2024-01-15T09:50:00Z', end: '2024-01-15T10:30:00Z' },
    },
  },
  {
    lastUpdated: '2024-03-01T08:00:00Z',
    resource: {
      resourceType: 'Encounter', id: '~e2', status: 'in-progress', class: { system: ACT, code: 'VR' },
      subject: { reference: 'Patient/~p1' }, period: { start: '2024-03-01T08:00:00Z' },
    },
  },
  {
    lastUpdated: '2023-05-01T12:00:00Z',
    resource: {
      resourceType: 'Encounter', id: '~e3', status: 'finished', class: { system: ACT, code: 'AMB' },
      subject: { reference: 'Patient/~p2' }, participant: [{ individual: { reference: 'Practitioner/~dr2' } }], period: { start: '2023-05-01', end: '2023-05-01' },
    },
  },
  ...appointments(),
  {
    lastUpdated: '2024-01-15T11:00:00Z',
    resource: { resourceType: 'Provenance', id: '~prov1', target: [{ reference: 'Observation/~o1' }], recorded: '2024-01-15T11:00:00Z', agent: [{ who: { reference: 'Practitioner/~dr1' } }] },
  },
  { lastUpdated: '2024-01-01T00:00:00Z', resource: { resourceType: 'RiskAssessment', id: '~ra1', status: 'final', subject: { reference: 'Patient/~p1' }, prediction: [{ probabilityDecimal: 0.25 }] } },
  { lastUpdated: '2024-01-01T00:00:00Z', resource: { resourceType: 'RiskAssessment', id: '~ra2', status: 'final', subject: { reference: 'Patient/~p2' }, prediction: [{ probabilityDecimal: 0.8 }, { probabilityDecimal: 100 }] } },
  { lastUpdated: '2024-01-01T00:00:00Z', resource: { resourceType: 'RiskAssessment', id: '~ra3', status: 'final', subject: { reference: 'Patient/~p3' } } },
  { lastUpdated: '2024-01-01T00:00:00Z', resource: { resourceType: 'ValueSet', id: '~vs1', status: 'active', url: 'http://example.org/fhir/ValueSet/vitals', name: 'Vitals' } },
  { lastUpdated: '2024-01-01T00:00:00Z', resource: { resourceType: 'ValueSet', id: '~vs2', status: 'draft', url: 'http://example.org/fhir/ValueSet/vitals/extra', name: 'VitalsExtra' } },
  { lastUpdated: '2024-01-01T00:00:00Z', resource: { resourceType: 'ValueSet', id: '~vs3', status: 'active', url: 'http://other.org/ValueSet/x', name: 'Other' } },
];

function appointments(): Fixture[] {
  const appt = (id: string, status: string, start: string, end: string, patient: string, practitioner: string): Fixture => ({
    lastUpdated: '2024-01-10T00:00:00Z',
    resource: {
      resourceType: 'Appointment', id, status, start, end,
      participant: [
        { actor: { reference: `Patient/${patient}` }, status: 'accepted' },
        { actor: { reference: `Practitioner/${practitioner}` }, status: 'accepted' },
      ],
    },
  });
  return [
    appt('~a1', 'booked', '2024-04-01T09:00:00Z', '2024-04-01T09:30:00Z', '~p1', '~dr1'),
    appt('~a2', 'booked', '2024-04-02T10:00:00Z', '2024-04-02T10:30:00Z', '~p2', '~dr2'),
    appt('~a3', 'cancelled', '2024-04-01T11:00:00Z', '2024-04-01T11:30:00Z', '~p1', '~dr1'),
    appt('~a4', 'booked', '2023-12-01T10:00:00Z', '2023-12-01T10:30:00Z', '~p1', '~dr1'),
  ];
}

/** Replaces `~x` placeholders by `${marker}-x` in a JSON-able value or a string. */
export function withMarker<T>(value: T, marker: string): T {
  return JSON.parse(JSON.stringify(value).replace(/~([a-z0-9]+)/g, `${marker}-$1`)) as T;
}

/** Writes every fixture as a current document (indexResource + insertOne), as the repository would. */
export async function loadFixtures(store: DocumentStore, marker: string): Promise<void> {
  for (const fixture of withMarker(fixtures, marker)) {
    const resource = fixture.resource as Record<string, unknown> & { meta?: Record<string, unknown> };
    const meta = { ...(resource.meta ?? {}) } as Record<string, unknown>;
    meta.versionId = '1';
    meta.lastUpdated = fixture.lastUpdated.replace('Z', '.000Z');
    meta.tag = [...((meta.tag as unknown[] | undefined) ?? []), { system: TAG_SYSTEM, code: marker }];
    const stamped = { ...resource, meta } as unknown as Resource;
    const { idx, compartments } = indexResource(stamped);
    const doc: ResourceDocument = {
      _id: stamped.id as string,
      versionId: 1,
      lastUpdated: meta.lastUpdated as string,
      lastUpdatedMs: Date.parse(fixture.lastUpdated),
      deleted: fixture.deleted === true,
      resource: stamped,
      // A tombstone keeps its index entries here on purpose: only `deleted: false` may hide it.
      idx,
      compartments,
    };
    if (fixture.deleted) delete doc.resource;
    await store.collection<ResourceDocument>(stamped.resourceType).insertOne(doc);
  }
}
