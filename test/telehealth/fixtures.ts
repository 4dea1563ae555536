import type { Device, Observation, Patient, Practitioner, Schedule, Slot } from 'fhir/r4';
import { telehealthProfiles } from '../../src/telehealth/profiles';

export const patient = (family = 'Rivera'): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://telefhir.example/mrn', value: `MRN-${family}` }],
  name: [{ family, given: ['Ana'] }],
  gender: 'female',
  birthDate: '1960-04-02',
});

export const practitioner = (): Practitioner => ({ resourceType: 'Practitioner', name: [{ family: 'Okafor', given: ['Chidi'], prefix: ['Dr.'] }] });

export const schedule = (practitionerId: string): Schedule => ({
  resourceType: 'Schedule',
  active: true,
  actor: [{ reference: `Practitioner/${practitionerId}` }],
});

export const slot = (scheduleId: string, start = '2030-01-07T09:00:00Z', end = '2030-01-07T09:20:00Z'): Slot => ({
  resourceType: 'Slot',
  schedule: { reference: `Schedule/${scheduleId}` },
  status: 'free',
  start,
  end,
});

export const device = (serial = 'HR-0001'): Device => ({
  resourceType: 'Device',
  identifier: [{ system: 'https://telefhir.example/device-serial', value: serial }],
  status: 'active',
  serialNumber: serial,
  deviceName: [{ name: 'Home pulse oximeter', type: 'user-friendly-name' }],
});

/** A home reading: it claims RemoteMonitoringObservation, which is what subjects it to the RPM rules. */
export function reading(patientId: string, deviceId: string, code: string, value: number, unit: string, n: number): Observation {
  return {
    resourceType: 'Observation',
    meta: { profile: [telehealthProfiles().remoteObservation] },
    identifier: [{ system: 'https://telefhir.example/reading', value: `${deviceId}-${code}-${n}` }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
    device: { reference: `Device/${deviceId}` },
    effectiveDateTime: new Date(Date.UTC(2025, 0, 1, 8, n)).toISOString(),
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}
