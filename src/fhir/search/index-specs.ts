import type { IndexSpec } from '../../storage/port';

/**
 * The declared indexes, designed by MongoDB's equality → sort → range rule for the queries the
 * server sends (test/storage/mongo-index-plan.test.ts checks every one of them):
 * - every page is sorted and ends with the `_id` tie-breaker, whose direction follows the last
 *   sort key (src/fhir/search/cursor.ts), so `{field, _id}` serves the default order (`_id`) of an
 *   equality search, and `{ref, date:sort -1, _id -1}` serves `_sort=-date` and, read backwards,
 *   `_sort=date`, both for next and previous pages;
 * - date parameters index both bounds of their `{lo, hi}` entries: `ge`/`gt`/`eb` are bounded on
 *   `hi`, `eq`/`le`/`lt`/`sa` on `lo` (src/fhir/search/compile/date.ts adds the implied bounds);
 * - one multikey field per compound index (MongoDB refuses two arrays in one index key); `_id`,
 *   `lastUpdatedMs` and the `:sort` keys are scalars.
 * Index names are stable: a changed key list under the same name is replaced at start-up.
 */
type Keys = IndexSpec['keys'];
const spec = (name: string, keys: Keys): IndexSpec => ({ name, keys });
const safe = (code: string) => code.replace(/[:.]/g, '_');

/** Equality on one index entry, in `_id` order (the default order of a search). */
const eq = (...codes: string[]): IndexSpec[] => codes.map((code) => spec(`idx_${safe(code)}`, { [`idx.${code}`]: 1, _id: 1 }));

/** Equality on a reference, sorted by a date parameter (newest first, or reversed). */
const dated = (ref: string, date: string): IndexSpec =>
  spec(`idx_${safe(ref)}_${safe(date)}`, { [`idx.${ref}`]: 1, [`idx.${date}:sort`]: -1, _id: -1 });

/** A date parameter's order over the whole collection (`_sort=-date` with no other criterion). */
const sorted = (date: string): IndexSpec => spec(`idx_${safe(date)}_sort`, { [`idx.${date}:sort`]: -1, _id: -1 });

/** Both bounds of a date parameter's ranges. */
const range = (date: string): IndexSpec[] => [spec(`idx_${safe(date)}`, { [`idx.${date}.lo`]: 1 }), spec(`idx_${safe(date)}_hi`, { [`idx.${date}.hi`]: 1 })];

/** A string parameter with prefix entries: starts-with (prefix equality) and `:exact`. */
const text = (...codes: string[]): IndexSpec[] => codes.flatMap((code) => eq(`${code}:prefix`, `${code}:exact`));

/** Indexes of every current collection: newest-first listings, patient compartments ($everything, SMART patient scope). */
export const COMMON_INDEXES: readonly IndexSpec[] = [
  spec('lastUpdated', { lastUpdatedMs: -1, _id: -1 }),
  spec('compartments', { compartments: 1, _id: 1 }),
];

export const INDEXES_BY_TYPE: Readonly<Record<string, readonly IndexSpec[]>> = {
  Patient: [...text('name', 'family', 'given', 'phonetic'), ...eq('identifier', 'telecom', 'email', 'phone'), ...range('birthdate')],
  Practitioner: [...text('name', 'family', 'given'), ...eq('identifier')],
  RelatedPerson: [...text('name'), ...eq('patient', 'identifier')],
  Organization: [...text('name'), ...eq('identifier')],
  Location: [...text('name'), ...eq('identifier')],
  Encounter: [
    ...eq('patient', 'subject', 'status', 'class', 'identifier', 'appointment'),
    dated('patient', 'date'),
    dated('subject', 'date'),
    sorted('date'),
    ...range('date'),
  ],
  Observation: [
    ...eq('patient', 'subject', 'code', 'category', 'identifier', 'encounter', 'code-value-quantity.a'),
    dated('patient', 'date'),
    dated('subject', 'date'),
    sorted('date'),
    ...range('date'),
  ],
  Appointment: [
    ...eq('patient', 'actor', 'practitioner', 'status', 'identifier'),
    dated('patient', 'date'),
    dated('actor', 'date'),
    sorted('date'),
    ...range('date'),
  ],
  Condition: eq('patient', 'subject', 'code'),
  MedicationRequest: eq('patient', 'subject', 'status'),
  DocumentReference: eq('patient', 'subject'),
  Provenance: eq('target'),
  // telehealth: device identity for RPM ingest, the scheduling searches, flags and media
  Device: eq('identifier', 'patient'),
  Schedule: eq('actor'),
  Slot: [...eq('schedule', 'status'), dated('schedule', 'start'), ...range('start')],
  Flag: eq('patient', 'status'),
  Media: eq('patient', 'subject'),
  // the audit trail (src/audit): who accessed a patient, what an agent did, newest first
  AuditEvent: [
    ...eq('patient', 'agent', 'altid', 'entity', 'type', 'subtype', 'action', 'outcome'),
    dated('patient', 'date'),
    dated('agent', 'date'),
    dated('altid', 'date'),
    dated('entity', 'date'),
    sorted('date'),
    ...range('date'),
  ],
};

/**
 * History collections (`Type_history`, append-only): instance history reads one id's versions
 * newest first; type and system history read by time. `_id` (`id/version`) is the unique
 * tie-breaker of versions written in the same millisecond.
 */
export const HISTORY_INDEXES: readonly IndexSpec[] = [spec('id_time', { id: 1, lastUpdatedMs: -1, _id: -1 }), spec('time', { lastUpdatedMs: -1, _id: -1 })];
