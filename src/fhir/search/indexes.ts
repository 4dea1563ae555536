import type { DocumentStore, IndexSpec } from '../../storage/port';

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
  // telehealth: device identity for RPM ingest, the scheduling searches, flags and media
  Device: single('identifier', 'patient'),
  Schedule: single('actor'),
  Slot: [...single('schedule', 'status'), { keys: { 'idx.start.lo': 1 }, name: 'idx_start' }],
  Flag: single('patient', 'status'),
  Media: single('patient', 'subject'),
};

/** The types with search indexes beyond the common ones: created at startup, ahead of traffic. */
export const TYPES_WITH_INDEXES: readonly string[] = Object.keys(BY_TYPE);

/** Index specs for the current collection of `type` (the `_id` index exists already). */
export function indexSpecsFor(type: string): IndexSpec[] {
  return [...COMMON, ...(BY_TYPE[type] ?? [])];
}

const ensured = new WeakMap<DocumentStore, Map<string, Promise<void>>>();

/**
 * Creates the index specs of `type` on `store` once per process (createIndex is idempotent on both
 * engines). Search calls it before touching a collection, so indexes exist even when startup did
 * not create them; startup may call it for every type ahead of traffic.
 */
export function ensureSearchIndexes(store: DocumentStore, type: string): Promise<void> {
  let byType = ensured.get(store);
  if (!byType) {
    byType = new Map();
    ensured.set(store, byType);
  }
  let pending = byType.get(type);
  if (!pending) {
    const collection = store.collection(type);
    pending = indexSpecsFor(type).reduce<Promise<void>>((chain, spec) => chain.then(() => collection.createIndex(spec)), Promise.resolve());
    pending.catch(() => byType?.delete(type));
    byType.set(type, pending);
  }
  return pending;
}

/** Startup: the indexes of every type that has its own, so the first requests (and transactions) find them. */
export async function ensureStartupSearchIndexes(store: DocumentStore): Promise<void> {
  for (const type of TYPES_WITH_INDEXES) await ensureSearchIndexes(store, type);
}
