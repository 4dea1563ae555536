import type { IndexSpec } from '../../storage/port';

/**
 * Index specs per resource type, created at startup on both engines (createIndex). Multikey
 * arrays are fine, but MongoDB refuses compound indexes over two arrays: every compound below
 * pairs one multikey field with a scalar sort key. The embedded engine narrows candidates with
 * the equality part of these indexes.
 */
const COMMON: IndexSpec[] = [
  { keys: { lastUpdatedMs: -1 }, name: 'lastUpdated' },
  { keys: { compartments: 1 }, name: 'compartments' },
];

const single = (...codes: string[]): IndexSpec[] => codes.map((code) => ({ keys: { [`idx.${code}`]: 1 }, name: `idx_${code.replace(':', '_')}` }));

const BY_TYPE: Record<string, IndexSpec[]> = {
  Patient: [...single('name:prefix', 'family:prefix', 'given:prefix', 'identifier', 'telecom', 'email', 'phone'), { keys: { 'idx.birthdate.lo': 1 }, name: 'idx_birthdate' }],
  Practitioner: single('name:prefix', 'family:prefix', 'identifier'),
  Organization: single('name:prefix', 'identifier'),
  Encounter: [
    ...single('status', 'class', 'identifier'),
    { keys: { 'idx.patient': 1, 'idx.date:sort': -1 }, name: 'idx_patient_date' },
    { keys: { 'idx.subject': 1, 'idx.date:sort': -1 }, name: 'idx_subject_date' },
    { keys: { 'idx.date.lo': 1 }, name: 'idx_date' },
  ],
  Observation: [
    ...single('code', 'category', 'identifier', 'encounter'),
    { keys: { 'idx.patient': 1, 'idx.date:sort': -1 }, name: 'idx_patient_date' },
    { keys: { 'idx.subject': 1, 'idx.date:sort': -1 }, name: 'idx_subject_date' },
    { keys: { 'idx.date.lo': 1 }, name: 'idx_date' },
  ],
  Appointment: [
    ...single('status', 'actor', 'practitioner', 'identifier'),
    { keys: { 'idx.patient': 1, 'idx.date:sort': -1 }, name: 'idx_patient_date' },
    { keys: { 'idx.date.lo': 1 }, name: 'idx_date' },
  ],
  Condition: [...single('patient', 'subject', 'code')],
  MedicationRequest: [...single('patient', 'subject', 'status')],
  DocumentReference: [...single('patient', 'subject')],
  Provenance: [...single('target')],
};

/** Index specs for the current collection of `type` (the `_id` index exists already). */
export function indexSpecsFor(type: string): IndexSpec[] {
  return [...COMMON, ...(BY_TYPE[type] ?? [])];
}
