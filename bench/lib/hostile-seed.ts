import { benchObservation, benchPatient } from './payloads';

/** Seeding for the hostile cases that need a populated store, through transactions as a client would. */

const FHIR_JSON = {
  'Content-Type': 'application/fhir+json',
  Accept: 'application/fhir+json',
  Prefer: 'return=minimal',
};
const CHUNK = 250;

interface Entry {
  fullUrl?: string;
  resource: object;
  request: { method: 'POST' | 'PUT'; url: string };
}

async function transaction(base: string, entries: Entry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += CHUNK) {
    const entry = entries.slice(i, i + CHUNK);
    const res = await fetch(`${base}/fhir`, {
      method: 'POST',
      headers: FHIR_JSON,
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    const text = await res.text();
    if (res.status !== 200)
      throw new Error(`seeding transaction answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

/**
 * `patients` Patients that each reference one of 10 Organizations (managingOrganization) and one
 * of 20 Practitioners (generalPractitioner), so that `_include=*` has something to follow.
 */
export async function seedPatientsWithReferences(base: string, patients: number): Promise<void> {
  const shared: Entry[] = [];
  for (let o = 0; o < 10; o++) {
    shared.push({
      resource: { resourceType: 'Organization', id: `org${o}`, name: `Clinic ${o}`, active: true },
      request: { method: 'PUT', url: `Organization/org${o}` },
    });
  }
  for (let d = 0; d < 20; d++) {
    shared.push({
      resource: {
        resourceType: 'Practitioner',
        id: `dr${d}`,
        name: [{ family: `Doctor${d}`, given: ['Pat'] }],
      },
      request: { method: 'PUT', url: `Practitioner/dr${d}` },
    });
  }
  await transaction(base, shared);
  const entries: Entry[] = [];
  for (let n = 0; n < patients; n++) {
    const resource = {
      ...benchPatient(n),
      managingOrganization: { reference: `Organization/org${n % 10}` },
      generalPractitioner: [{ reference: `Practitioner/dr${n % 20}` }],
    };
    entries.push({ resource, request: { method: 'POST', url: 'Patient' } });
  }
  await transaction(base, entries);
}

/** One Patient with `observations` Observations about it; returns the Patient's id. */
export async function seedPatientWithObservations(base: string, observations: number): Promise<string> {
  const id = 'revinclude-target';
  await transaction(base, [
    { resource: { ...benchPatient(), id }, request: { method: 'PUT', url: `Patient/${id}` } },
  ]);
  const entries: Entry[] = [];
  for (let i = 0; i < observations; i++)
    entries.push({ resource: benchObservation(id), request: { method: 'POST', url: 'Observation' } });
  await transaction(base, entries);
  return id;
}
