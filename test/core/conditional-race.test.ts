import { makeTestApp, type TestApp } from '../helpers/app';
import { describeOnMongo, openThrowawayMongoStore } from '../helpers/mongo';
import { sender } from '../helpers/send';

/**
 * Conditional create is atomic: the match is checked inside the create's transaction under a
 * uniqueness claim, so N identical creates sent at once store exactly one resource, and every
 * loser answers as for a match (200 with that resource). The same suite runs on the embedded
 * engine and, where MONGODB_URI names a replica set, on MongoDB.
 */
const N = 8;
const patient = (value: string) => ({ resourceType: 'Patient', identifier: [{ system: 'http://example.org/mrn', value }] });
const criteria = (value: string) => `identifier=${encodeURIComponent(`http://example.org/mrn|${value}`)}`;

function raceSuite(engine: string, options: Parameters<typeof makeTestApp>[0]): void {
  let test: TestApp;
  let send: ReturnType<typeof sender>;
  beforeAll(async () => {
    test = await makeTestApp(options);
    send = sender(test.app);
  });
  afterAll(() => test.close());

  async function countPatients(value: string): Promise<number> {
    const found = await send('GET', `Patient?${criteria(value)}&_total=accurate`);
    expect(found.status).toBe(200);
    return (found.body.entry ?? []).length;
  }

  describe(`concurrent identical conditional creates (${engine})`, () => {
    it(`If-None-Exist: ${N} at once → one Patient, one 201 and ${N - 1} × 200 with it`, async () => {
      const replies = await Promise.all(Array.from({ length: N }, () => send('POST', 'Patient', patient('race-1'), { 'If-None-Exist': criteria('race-1') })));
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
      expect(await countPatients('race-1')).toBe(1);
    });

    it('criteria in another order are the same claim', async () => {
      const a = `${criteria('race-2')}&active=true`;
      const b = `active=true&${criteria('race-2')}`;
      const replies = await Promise.all(
        Array.from({ length: N }, (_, i) => send('POST', 'Patient', { ...patient('race-2'), active: true }, { 'If-None-Exist': i % 2 ? a : b })),
      );
      expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
      expect(replies.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      expect(await countPatients('race-2')).toBe(1);
    });

    it(`transaction Bundles with ifNoneExist: ${N} at once → one Patient`, async () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ fullUrl: 'urn:uuid:6f3f3c1e-0000-4000-8000-000000000001', resource: patient('race-3'), request: { method: 'POST', url: 'Patient', ifNoneExist: criteria('race-3') } }],
      };
      const replies = await Promise.all(Array.from({ length: N }, () => send('POST', '', bundle)));
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: N }, () => 200));
      const entryStatuses = replies.map((r) => r.body.entry[0].response.status as string);
      expect(entryStatuses.filter((s) => s.startsWith('201'))).toHaveLength(1);
      expect(entryStatuses.filter((s) => s.startsWith('200'))).toHaveLength(N - 1);
      expect(await countPatients('race-3')).toBe(1);
    });

    it(`batch Bundles with ifNoneExist: ${N} at once → one Patient`, async () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource: patient('race-4'), request: { method: 'POST', url: 'Patient', ifNoneExist: criteria('race-4') } }],
      };
      const replies = await Promise.all(Array.from({ length: N }, () => send('POST', '', bundle)));
      const entryStatuses = replies.map((r) => r.body.entry[0].response.status as string);
      expect(entryStatuses.filter((s) => s.startsWith('201'))).toHaveLength(1);
      expect(entryStatuses.filter((s) => s.startsWith('200'))).toHaveLength(N - 1);
      expect(await countPatients('race-4')).toBe(1);
    });

    it('a claim never blocks a later create once its resource no longer matches (deleted or changed)', async () => {
      const first = await send('POST', 'Patient', patient('race-5'), { 'If-None-Exist': criteria('race-5') });
      expect(first.status).toBe(201);
      expect((await send('DELETE', `Patient/${first.body.id}`)).status).toBe(204);
      const second = await send('POST', 'Patient', patient('race-5'), { 'If-None-Exist': criteria('race-5') });
      expect(second.status).toBe(201);
      expect(second.body.id).not.toBe(first.body.id);
      // changed so that it no longer matches
      const moved = await send('PUT', `Patient/${second.body.id}`, { ...patient('race-5b'), id: second.body.id });
      expect(moved.status).toBe(200);
      const third = await send('POST', 'Patient', patient('race-5'), { 'If-None-Exist': criteria('race-5') });
      expect(third.status).toBe(201);
      expect(await countPatients('race-5')).toBe(1);
    });
  });
}

describe('embedded engine', () => raceSuite('embedded', {}));
describeOnMongo('test/core/conditional-race')('MongoDB', () => raceSuite('MongoDB', { openStore: openThrowawayMongoStore }));
