import request from 'supertest';
import { audit, describe as describeQuery } from '../storage/index-plan/audit';
import { declaredIndexes } from '../storage/index-plan/declared';
import { RecordingStore } from '../storage/index-plan/recording-store';
import { downloadAll, exportAll, kickOff, makeBulkApp, observation, pathOf, patient, put, type BulkApp } from './helpers';

/**
 * Every query an export sends to the store (kick-off, the worker's claim and lease, paging of each
 * type, status, cancel, the expiry sweep), checked against the declared indexes with MongoDB's
 * index-selection rules (test/storage/index-plan/plan.ts), as for the rest of the server.
 */
let s: BulkApp;
let recorder: RecordingStore;

beforeAll(async () => {
  s = await makeBulkApp({ fileMaxResources: 3, pageSize: 2, expirySeconds: 1 }, { wrapStore: (store) => (recorder = new RecordingStore(store)) });
  await put(s.app, [patient('p1'), patient('p2'), observation('o1', 'p1'), observation('o2', 'p1'), observation('o3', 'p2'), observation('o4', 'p2')]);
  await put(s.app, [{ resourceType: 'Group', id: 'g1', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/p1' } }] }]);
  recorder.queries.length = 0;
  recorder.request = 'bulk';
  const since = encodeURIComponent('2000-01-01T00:00:00Z');
  const filter = encodeURIComponent('Observation?code=8867-4');
  for (const path of ['$export', 'Patient/$export', 'Group/g1/$export', `$export?_since=${since}`, `$export?_type=Observation&_typeFilter=${filter}`]) {
    await downloadAll(s.app, await exportAll(s.app, path));
  }
  const cancelled = await kickOff(s.app, '$export');
  await request(s.app).delete(pathOf(cancelled.headers['content-location'] as string));
  // let the expiry sweep run over the finished jobs
  await new Promise((resolve) => setTimeout(resolve, 1500));
}, 240_000);
afterAll(() => s.close());

it('records the export queries: job claim, lease, paging of every type, sweep', () => {
  const collections = new Set(recorder.queries.map((q) => q.collection));
  for (const name of ['bulk_jobs', 'Patient', 'Observation', 'Group']) expect(collections).toContain(name);
  expect(recorder.queries.some((q) => q.collection === 'bulk_jobs' && JSON.stringify(q.filter).includes('expiresAt'))).toBe(true);
  expect(recorder.queries.some((q) => q.collection === 'Observation' && JSON.stringify(q.filter).includes('"_id":{"$gt":"o'))).toBe(true);
});

it('answers every export query from an index', () => {
  const failing = audit(recorder.queries).filter((f) => !f.verdict.ok);
  expect(failing.map((f) => `${describeQuery(f.query)}: ${f.verdict.reason}`)).toEqual([]);
});

it('fails the worker claim when the status/lease index is removed', () => {
  const without = (c: string) => declaredIndexes(c).filter((spec) => spec.name !== 'status_lease');
  expect(audit(recorder.queries, without).some((f) => !f.verdict.ok && f.query.collection === 'bulk_jobs')).toBe(true);
});
