import type {
  Appointment,
  Device,
  Encounter,
  Observation,
  Patient,
  Practitioner,
  Resource,
  Schedule,
  Slot,
} from 'fhir/r4';
import { SYSTEM } from './dataset';

/**
 * A few resources with WELL-KNOWN ids, so that the README's examples run as written against a
 * seeded server (the generated dataset gets server-assigned ids). They are written with PUT, in
 * this order (references point backwards), and only when absent: a re-run leaves them — and what
 * the examples did to them (a booked slot, a started visit) — alone.
 */
export const EXAMPLE_IDS = {
  patient: 'example-patient',
  practitioner: 'example-practitioner',
  schedule: 'example-schedule',
  slot: 'example-slot',
  appointment: 'example-appointment',
  encounter: 'example-encounter',
  device: 'example-bp-monitor',
  heartRate: 'example-heart-rate',
  bloodPressure: 'example-blood-pressure',
} as const;

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VITALS = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
        code: 'vital-signs',
        display: 'Vital Signs',
      },
    ],
  },
];
const VIRTUAL = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  code: 'VR',
  display: 'virtual',
};
const at = (today: Date, days: number, hour: number, minute = 0) =>
  new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days, hour, minute),
  ).toISOString();
const plus = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

export function exampleResources(today: Date): Resource[] {
  const id = EXAMPLE_IDS;
  const patientRef = { reference: `Patient/${id.patient}` };
  const practitionerRef = { reference: `Practitioner/${id.practitioner}` };
  const slotStart = at(today, 2, 15);
  const visitStart = at(today, 1, 16);
  const pastVisit = at(today, -7, 14);
  const reading = at(today, -1, 7, 30);
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id: id.practitioner,
    identifier: [{ system: SYSTEM.practitioner, value: 'PR-EXAMPLE' }],
    active: true,
    name: [{ family: 'Okafor', given: ['Grace'], prefix: ['Dr.'] }],
  };
  const patient: Patient = {
    resourceType: 'Patient',
    id: id.patient,
    identifier: [{ use: 'usual', system: SYSTEM.mrn, value: 'MRN-EXAMPLE' }],
    active: true,
    name: [{ use: 'official', family: 'Nguyễn', given: ['Amelia'] }],
    gender: 'female',
    birthDate: '1990-07-14',
    telecom: [{ system: 'email', value: 'amelia.nguyen@mail.telefhir.example', use: 'home' }],
    generalPractitioner: [practitionerRef],
  };
  const schedule: Schedule = {
    resourceType: 'Schedule',
    id: id.schedule,
    identifier: [{ system: SYSTEM.schedule, value: 'SC-EXAMPLE' }],
    active: true,
    serviceType: [{ text: 'Video visit' }],
    actor: [practitionerRef],
    planningHorizon: { start: at(today, 1, 0), end: at(today, 8, 0) },
  };
  const slot: Slot = {
    resourceType: 'Slot',
    id: id.slot,
    identifier: [{ system: SYSTEM.slot, value: 'SL-EXAMPLE' }],
    schedule: { reference: `Schedule/${id.schedule}` },
    status: 'free',
    start: slotStart,
    end: plus(slotStart, 20),
  };
  const appointment: Appointment = {
    resourceType: 'Appointment',
    id: id.appointment,
    identifier: [{ system: SYSTEM.appointment, value: 'AP-EXAMPLE' }],
    status: 'booked',
    description: 'Video visit: blood pressure review',
    start: visitStart,
    end: plus(visitStart, 20),
    participant: [
      { actor: patientRef, status: 'accepted', required: 'required' },
      { actor: practitionerRef, status: 'accepted', required: 'required' },
    ],
  };
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: id.encounter,
    identifier: [{ system: SYSTEM.encounter, value: 'EN-EXAMPLE' }],
    status: 'finished',
    class: VIRTUAL,
    subject: patientRef,
    participant: [{ individual: practitionerRef }],
    period: { start: pastVisit, end: plus(pastVisit, 20) },
  };
  const device: Device = {
    resourceType: 'Device',
    id: id.device,
    identifier: [{ system: SYSTEM.device, value: 'BP-EXAMPLE' }],
    status: 'active',
    deviceName: [{ name: 'Blood pressure monitor', type: 'user-friendly-name' }],
    patient: patientRef,
  };
  const heartRate: Observation = {
    resourceType: 'Observation',
    id: id.heartRate,
    identifier: [{ system: SYSTEM.reading, value: 'EXAMPLE-hr' }],
    status: 'final',
    category: VITALS,
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: patientRef,
    effectiveDateTime: reading,
    valueQuantity: { value: 78, unit: '/min', system: UCUM, code: '/min' },
  };
  // systolic above 140: what the composite search example finds
  const bloodPressure: Observation = {
    resourceType: 'Observation',
    id: id.bloodPressure,
    identifier: [{ system: SYSTEM.reading, value: 'EXAMPLE-bp' }],
    status: 'final',
    category: VITALS,
    code: {
      coding: [
        { system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' },
      ],
      text: 'Blood pressure',
    },
    subject: patientRef,
    effectiveDateTime: reading,
    component: [
      {
        code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] },
        valueQuantity: { value: 152, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] },
        valueQuantity: { value: 94, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
      },
    ],
  };
  return [practitioner, patient, schedule, slot, appointment, encounter, device, heartRate, bloodPressure];
}
