import type { Bundle } from 'fhir/r4';
import { readGzipJson, syntheaFiles } from './shared-data';

/** A device upload: `size` heart-rate readings, one per second, each with a device identifier. */
export function deviceBundle(patientId: string, deviceId: string, batch: number, size: number): string {
  const entry = [];
  for (let i = 0; i < size; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + (batch * size + i) * 1000).toISOString();
    entry.push({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(batch * size + i).padStart(12, '0')}`,
      resource: {
        resourceType: 'Observation',
        identifier: [{ system: 'urn:telefhir:bench', value: `${batch}-${i}` }],
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${patientId}` },
        device: { reference: `Device/${deviceId}` },
        effectiveDateTime: t,
        valueQuantity: { value: 60 + (i % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      },
      request: { method: 'POST', url: 'Observation' },
    });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

export interface SyntheaPayloads {
  /** The organization and practitioner batch Bundles the 2021 patients reference conditionally (load once). */
  prerequisites: Array<{ body: string; entries: number }>;
  /** The patient transaction Bundles (hundreds to a thousand entries each); posting one again creates a new patient. */
  patients: Array<{ body: string; entries: number }>;
}

/** The Synthea Bundles of ../shared/data, serialised once (the load generator must not be the bottleneck). */
export function syntheaPayloads(): SyntheaPayloads {
  const prerequisites: SyntheaPayloads['prerequisites'] = [];
  const patients: SyntheaPayloads['patients'] = [];
  for (const file of syntheaFiles()) {
    const bundle = readGzipJson<Bundle>(file);
    const payload = { body: JSON.stringify(bundle), entries: bundle.entry?.length ?? 0 };
    (bundle.type === 'transaction' ? patients : prerequisites).push(payload);
  }
  return { prerequisites, patients };
}
