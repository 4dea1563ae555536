import type { Appointment, Encounter, Observation } from 'fhir/r4';
import { supportedProfiles } from '../../src/fhir/validation/profile';
import { errorsOf, expectIssue, TELEFHIR, variant, type Expected } from './helpers';

const ENCOUNTER = `${TELEFHIR}TelehealthEncounter`;
const APPOINTMENT = `${TELEFHIR}TelehealthAppointment`;
const RPM = `${TELEFHIR}RemoteMonitoringObservation`;
const LINK = `${TELEFHIR}video-visit-link`;

const encounter: Encounter = {
  resourceType: 'Encounter',
  meta: { profile: [ENCOUNTER] },
  status: 'in-progress',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
  subject: { reference: 'Patient/p1' },
  participant: [{ individual: { reference: 'Practitioner/dr1' } }],
  appointment: [{ reference: 'Appointment/a1' }],
  period: { start: '2026-03-01T10:00:00Z' },
};

const appointment: Appointment = {
  resourceType: 'Appointment',
  meta: { profile: [APPOINTMENT] },
  extension: [{ url: LINK, valueUrl: 'https://video.example/join/a1' }],
  status: 'booked',
  serviceType: [{ coding: [{ system: 'http://snomed.info/sct', code: '448337001', display: 'Telemedicine consultation with patient' }] }],
  start: '2026-03-01T10:00:00Z',
  end: '2026-03-01T10:20:00Z',
  participant: [
    { actor: { reference: 'Patient/p1' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/dr1' }, status: 'accepted' },
  ],
};

const reading: Observation = {
  resourceType: 'Observation',
  meta: { profile: [RPM] },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-03-01T08:00:00Z',
  device: { reference: 'Device/d1' },
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
};

type Case<T> = [string, (r: T) => void, Expected];

describe('TelehealthEncounter', () => {
  it('accepts a video visit encounter', () => expect(errorsOf(encounter)).toEqual([]));
  const cases: Array<Case<Encounter>> = [
    ['class is not VR', (e) => (e.class = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }), { code: 'value', expression: 'Encounter.class', text: 'pattern' }],
    ['class from another system', (e) => (e.class = { system: 'http://example.org/classes', code: 'VR' }), { code: 'value', expression: 'Encounter.class' }],
    ['no participant', (e) => delete e.participant, { code: 'required', expression: 'Encounter.participant', text: 'Encounter.participant: minimum required = 1' }],
    ['no period', (e) => delete e.period, { code: 'required', expression: 'Encounter.period' }],
    ['no appointment', (e) => delete e.appointment, { code: 'required', expression: 'Encounter.appointment' }],
    ['period ends before it starts (per-1)', (e) => (e.period = { start: '2026-03-01T10:00:00Z', end: '2026-03-01T09:00:00Z' }), { code: 'invariant', expression: 'Encounter.period', text: 'per-1' }],
    ['appointment references a Patient', (e) => (e.appointment = [{ reference: 'Patient/p1' }]), { code: 'structure', expression: 'Encounter.appointment[0]', text: 'not allowed' }],
  ];
  it.each(cases)('rejects: %s', (_name, edit, expected) => {
    const issues = errorsOf(variant(encounter, edit));
    expectIssue(issues, expected);
  });
  it('names the profile in profile-only issues', () => {
    const issues = errorsOf(variant(encounter, (e) => delete e.period));
    expect(issues[0]?.diagnostics).toContain(`(profile ${ENCOUNTER})`);
  });
  it('is not applied when the resource does not claim it', () => {
    expect(errorsOf(variant(encounter, (e) => { delete e.meta; delete e.period; }))).toEqual([]);
  });
});

describe('TelehealthAppointment', () => {
  it('accepts a booked video visit', () => expect(errorsOf(appointment)).toEqual([]));
  const cases: Array<Case<Appointment>> = [
    ['no video visit link', (a) => delete a.extension, { code: 'required', expression: 'Appointment.extension', text: "Slice 'videoVisitLink'" }],
    ['link with a string instead of a url', (a) => (a.extension = [{ url: LINK, valueString: 'https://video.example/join/a1' }]), { code: 'structure', expression: 'Appointment.extension[0].valueString', text: 'not allowed' }],
    ['two links', (a) => a.extension?.push({ url: LINK, valueUrl: 'https://video.example/2' }), { code: 'structure', expression: 'Appointment.extension[1]', text: 'maximum allowed = 1' }],
    ['no service type', (a) => delete a.serviceType, { code: 'required', expression: 'Appointment.serviceType', text: 'Appointment.serviceType: minimum required = 1' }],
    ['service type that is not a video visit', (a) => (a.serviceType = [{ coding: [{ system: 'http://snomed.info/sct', code: '11429006' }] }]), { code: 'required', expression: 'Appointment.serviceType', text: "Slice 'videoVisit'" }],
    ['no patient participant', (a) => (a.participant = [a.participant[1] as Appointment['participant'][number], { actor: { reference: 'Practitioner/dr2' }, status: 'accepted' }]), { code: 'required', expression: 'Appointment.participant', text: "Slice 'patient'" }],
    ['no practitioner participant', (a) => (a.participant = [a.participant[0] as Appointment['participant'][number], { actor: { reference: 'Location/room' }, status: 'accepted' }]), { code: 'required', expression: 'Appointment.participant', text: "Slice 'practitioner'" }],
    ['two patients', (a) => a.participant.push({ actor: { reference: 'Patient/p2' }, status: 'accepted' }), { code: 'structure', expression: 'Appointment.participant[2]', text: "Slice 'patient' of Appointment.participant: maximum allowed = 1" }],
    ['participant without status', (a) => delete (a.participant[0] as { status?: string }).status, { code: 'required', expression: 'Appointment.participant[0].status' }],
  ];
  it.each(cases)('rejects: %s', (_name, edit, expected) => {
    expectIssue(errorsOf(variant(appointment, edit)), expected);
  });
});

describe('video-visit-link extension', () => {
  it('requires a value', () => {
    const a = variant(appointment, (x) => (x.extension = [{ url: LINK }]));
    expectIssue(errorsOf(a), { code: 'required', expression: 'Appointment.extension[0].value', text: 'Extension.value[x]: minimum required = 1' });
  });
  it('forbids nested extensions', () => {
    const a = variant(appointment, (x) => (x.extension = [{ url: LINK, valueUrl: 'https://v.example/1', extension: [{ url: 'x', valueString: 'y' }] }]));
    expectIssue(errorsOf(a), { code: 'structure', expression: 'Appointment.extension[0].extension[0]', text: 'maximum allowed = 0' });
  });
});

describe('RemoteMonitoringObservation', () => {
  it('accepts a device reading', () => expect(errorsOf(reading)).toEqual([]));
  it('accepts a blood pressure reading with UCUM components and no value', () => {
    const bp = variant(reading, (o) => {
      delete o.valueQuantity;
      o.code = { coding: [{ system: 'http://loinc.org', code: '85354-9' }] };
      o.component = [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ];
    });
    expect(errorsOf(bp)).toEqual([]);
  });
  const cases: Array<Case<Observation>> = [
    ['no device', (o) => delete o.device, { code: 'required', expression: 'Observation.device', text: 'Observation.device: minimum required = 1' }],
    ['no subject', (o) => delete o.subject, { code: 'required', expression: 'Observation.subject' }],
    ['a Group subject', (o) => (o.subject = { reference: 'Group/g1' }), { code: 'structure', expression: 'Observation.subject', text: 'Group is not allowed' }],
    ['no effective time', (o) => delete o.effectiveDateTime, { code: 'required', expression: 'Observation.effective' }],
    ['no vital-signs category', (o) => (o.category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }]), { code: 'required', expression: 'Observation.category', text: "Slice 'vitalSigns'" }],
    ['a non-UCUM unit system', (o) => (o.valueQuantity = { value: 72, system: 'http://example.org/units', code: 'bpm' }), { code: 'value', expression: 'Observation.valueQuantity.system', text: 'http://unitsofmeasure.org' }],
    ['a quantity without unit code', (o) => (o.valueQuantity = { value: 72, system: 'http://unitsofmeasure.org' }), { code: 'required', expression: 'Observation.valueQuantity.code' }],
    [
      'a component with a non-UCUM system',
      (o) => (o.component = [{ code: { text: 'x' } }, { code: { text: 'systolic' }, valueQuantity: { value: 1, system: 'urn:local', code: 'mmHg' } }]),
      { code: 'value', expression: 'Observation.component[1].valueQuantity.system' },
    ],
    ['a device reference to a Patient', (o) => (o.device = { reference: 'Patient/p1' }), { code: 'structure', expression: 'Observation.device', text: 'not allowed' }],
  ];
  it.each(cases)('rejects: %s', (_name, edit, expected) => {
    expectIssue(errorsOf(variant(reading, edit)), expected);
  });
  it('is checked when requested without being claimed (as RPM ingest does)', () => {
    const unclaimed = variant(reading, (o) => { delete o.meta; delete o.device; });
    expect(errorsOf(unclaimed)).toEqual([]);
    expectIssue(errorsOf(unclaimed, [RPM]), { code: 'required', expression: 'Observation.device' });
  });
});

describe('supportedProfiles', () => {
  it('lists the telehealth, vital-signs and US Core profiles by type', () => {
    expect(supportedProfiles('Observation')).toEqual(expect.arrayContaining([RPM, 'http://hl7.org/fhir/StructureDefinition/bp', 'http://hl7.org/fhir/StructureDefinition/vitalsigns']));
    expect(supportedProfiles('Encounter')).toEqual([ENCOUNTER]);
    expect(supportedProfiles('Appointment')).toEqual([APPOINTMENT]);
    expect(supportedProfiles('Patient')).toEqual(['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient']);
    expect(supportedProfiles('Basic')).toEqual([]);
  });
});
