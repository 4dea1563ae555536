import type { Encounter, HumanName, Patient } from 'fhir/r4';
import type { DocumentStore } from '../storage/port';
import type { PatientOption } from './pages/html';

/**
 * The few FHIR reads the authorization server needs (patient picker, launcher, launch checks),
 * straight from the resource collections (DESIGN.md, "Resource documents").
 */
interface Doc {
  _id: string;
  deleted: boolean;
  resource?: unknown;
}

const nameOf = (names: HumanName[] | undefined): string => {
  const name = names?.[0];
  if (!name) return '(no name)';
  return name.text ?? [...(name.given ?? []), name.family ?? ''].join(' ').trim();
};

export async function exists(store: DocumentStore, type: 'Patient' | 'Encounter', id: string): Promise<boolean> {
  const doc = await store.collection<Doc>(type).findOne({ _id: id, deleted: false });
  return doc !== null;
}

/** `Patient/123` → whether that resource exists and is not deleted (a malformed reference does not). */
export function referenceExists(store: DocumentStore): (reference: string) => Promise<boolean> {
  return async (reference) => {
    const match = /^(Patient|Practitioner|PractitionerRole)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
    if (!match) return false;
    const doc = await store.collection<Doc>(match[1] as string).findOne({ _id: match[2] as string, deleted: false });
    return doc !== null;
  };
}

export async function patientOptions(store: DocumentStore, limit = 200): Promise<PatientOption[]> {
  const docs = await store.collection<Doc>('Patient').find({ deleted: false }, { sort: { _id: 1 }, limit });
  return docs.map((d) => ({ id: d._id, label: patientLabel(d.resource as Patient | undefined, d._id) }));
}

export async function patientLabelById(store: DocumentStore, id: string): Promise<string> {
  const doc = await store.collection<Doc>('Patient').findOne({ _id: id, deleted: false });
  return patientLabel(doc?.resource as Patient | undefined, id);
}

function patientLabel(patient: Patient | undefined, id: string): string {
  const born = patient?.birthDate ? `, born ${patient.birthDate}` : '';
  return `${nameOf(patient?.name)}${born} (Patient/${id})`;
}

export async function encounterOptions(store: DocumentStore, limit = 200): Promise<PatientOption[]> {
  const docs = await store.collection<Doc>('Encounter').find({ deleted: false }, { sort: { _id: 1 }, limit });
  return docs.map((d) => {
    const encounter = d.resource as Encounter | undefined;
    const subject = encounter?.subject?.reference ?? 'no subject';
    const when = encounter?.period?.start ?? '';
    return { id: d._id, label: `Encounter/${d._id} – ${subject}${when ? `, ${when}` : ''}` };
  });
}
