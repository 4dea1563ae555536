import { patientEverything } from '../../src/fhir/operations/everything';
import { observationLastn } from '../../src/fhir/operations/lastn';
import { telehealthModule } from '../../src/telehealth';
import { makeTestApp, type TestApp } from '../helpers/app';
import { audit, describe as describeQuery, type Finding } from './index-plan/audit';
import { declaredIndexes } from './index-plan/declared';
import { EXCEPTIONS } from './index-plan/exceptions';
import { RecordingStore } from './index-plan/recording-store';
import { runScenario, TELEHEALTH_EXAMPLES } from './index-plan/scenario';

/**
 * Every query the server sends to the store during a representative run (search of every kind,
 * paging, history, includes, $everything, $lastn, conditional and telehealth operations), checked
 * against the declared indexes with MongoDB's index-selection rules (index-plan/plan.ts). No
 * MongoDB server is needed: the plan is reasoned, not explained.
 */
let testApp: TestApp;
let recorder: RecordingStore;
let findings: Finding[];

beforeAll(async () => {
  // wired as src/compose.ts does: the generic operations and the telehealth module
  const telehealth = telehealthModule({});
  testApp = await makeTestApp({
    ...telehealth,
    operations: [patientEverything, observationLastn, ...telehealth.operations],
    wrapStore: (store) => (recorder = new RecordingStore(store)),
  });
  await runScenario(testApp.app, recorder);
  findings = audit(recorder.queries);
}, 240_000);
afterAll(() => testApp.close());

const failing = (list: Finding[]) => list.filter((f) => !f.verdict.ok);

describe('MongoDB index plan of every query the server sends', () => {
  it('records the queries of every kind of request', () => {
    const requests = new Set(recorder.queries.map((q) => q.request));
    for (const expected of ['POST Appointment/$book', 'GET Binary', 'GET Patient/pat1/$everything', 'GET Observation/_history?_count=2', 'GET _history?_count=3']) {
      expect(requests).toContain(expected);
    }
    expect(recorder.queries.some((q) => q.collection === 'Observation_history')).toBe(true);
    expect(recorder.queries.length).toBeGreaterThan(200);
    if (process.env.INDEX_PLAN_DUMP) console.log(findings.map((f) => `${f.verdict.ok ? 'ok ' : 'NO '} ${describeQuery(f.query)} :: ${f.verdict.reason}`).join('\n'));
  });

  it('answers every query from an index, apart from the documented exceptions', () => {
    const unexpected = failing(findings).filter((f) => !(f.query.request in EXCEPTIONS));
    expect(unexpected.map((f) => `${describeQuery(f.query)}: ${f.verdict.reason}`)).toEqual([]);
  });

  it('needs no exception for the README telehealth examples', () => {
    for (const example of TELEHEALTH_EXAMPLES) expect(Object.keys(EXCEPTIONS)).not.toContain(`GET ${example}`);
    const examples = findings.filter((f) => TELEHEALTH_EXAMPLES.some((e) => f.query.request === `GET ${e}`));
    expect(examples.length).toBeGreaterThanOrEqual(TELEHEALTH_EXAMPLES.length);
    expect(failing(examples).map((f) => describeQuery(f.query))).toEqual([]);
  });

  it('keeps only exceptions that really cannot be indexed', () => {
    for (const request of Object.keys(EXCEPTIONS)) {
      expect(failing(findings.filter((f) => f.query.request === request)).length).toBeGreaterThan(0);
    }
  });
});

describe('the plan checker', () => {
  const without = (collection: string, name: string) => (c: string) => declaredIndexes(c).filter((spec) => !(c === collection && spec.name === name));
  const failuresOf = (collection: string, name: string) =>
    failing(audit(recorder.queries, without(collection, name))).filter((f) => !(f.query.request in EXCEPTIONS)).map((f) => f.query.request);

  it('fails the booking search when the upper bound of Slot.start is not indexed', () => {
    expect(failuresOf('Slot', 'idx_start_hi')).toContain('GET Slot?start=ge2030-01-01');
  });

  it('fails the sorted pages of a patient when the patient/date index is removed', () => {
    expect(failuresOf('Observation', 'idx_patient_date')).toContain('GET Observation?patient=pat1&_sort=-date&_count=2');
  });

  it('fails instance history when the id/time index of the history collection is removed', () => {
    expect(failuresOf('Patient_history', 'id_time')).toContain('GET Patient/pat2/_history');
  });
});
