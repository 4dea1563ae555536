import net from 'node:net';
import { indexSpecsFor } from '../../src/fhir/search/api';
import { MongoUnreachableError, openMongoStore } from '../../src/storage/mongo/open';
import type { MongoStore } from '../../src/storage/mongo/store';
import { DuplicateKeyError } from '../../src/storage/port';
import { describeOnMongo, openThrowawayMongoStore } from '../helpers/mongo';

/**
 * The MongoDB adapter against the real driver: an unreachable server (runs everywhere), and, where
 * MONGODB_URI names a replica set, index migration and the error mapping on a real server. The
 * same mappings are proven without a server by mongo-errors.test.ts (driver error classes thrown
 * by a double) and mongo-index-migration.test.ts.
 */
jest.setTimeout(180_000);

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an unreachable MongoDB', () => {
  it('fails the start within the selection timeout, naming MONGODB_URI and never the password', async () => {
    const port = await closedPort();
    const started = Date.now();
    const opening = openMongoStore({ uri: `mongodb://clinic:s3cret-pw@127.0.0.1:${port}/telefhir?replicaSet=rs0`, serverSelectionTimeoutMs: 500 });
    const error = await opening.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(MongoUnreachableError);
    expect(error?.message).toMatch(/MONGODB_URI/);
    expect(error?.message).toContain(`127.0.0.1:${port}`);
    expect(error?.message).not.toContain('s3cret-pw');
    // the configured 500 ms, not the driver's 30 s default (generous margin for a busy machine)
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describeOnMongo('test/storage/mongo-server')('on a real replica set', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await openThrowawayMongoStore();
  });
  afterAll(() => store.close());

  it('replaces an index whose keys changed since the last start, and keeps the data', async () => {
    const observations = store.collection('Observation');
    await observations.createIndex({ name: 'idx_patient_date', keys: { 'idx.patient': 1 } });
    await observations.insertOne({ _id: 'o1', idx: { patient: ['Patient/p1'], 'date:sort': 1 } } as never);
    for (const spec of indexSpecsFor('Observation')) await observations.createIndex(spec);
    expect(await observations.countDocuments({ 'idx.patient': 'Patient/p1' })).toBe(1);
    // a second start with the same declarations changes nothing
    for (const spec of indexSpecsFor('Observation')) await observations.createIndex(spec);
  });

  it('maps a duplicate _id to the port error (11000 → DuplicateKeyError)', async () => {
    const settings = store.collection('errors_probe');
    await settings.insertOne({ _id: 'one' } as never);
    await expect(settings.insertOne({ _id: 'one' } as never)).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('rolls a transaction back on error: nothing of it is visible', async () => {
    const probe = store.collection('tx_probe');
    await store.ensureCollections(['tx_probe']);
    await expect(
      store.withTransaction(async (session) => {
        await probe.insertOne({ _id: 'a' } as never, { session });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await probe.findOne({ _id: 'a' })).toBeNull();
  });
});
