import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { databaseName, openMongoStore } from '../../src/storage/mongo/open';
import { openStore } from '../../src/storage/open';
import { storeContract } from './contract';

const uri = process.env['MONGODB_URI'];

describe('databaseName', () => {
  it.each([
    ['mongodb://localhost:27017/clinic?replicaSet=rs0', 'clinic'],
    ['mongodb://user:p%2Fss@h1,h2/other', 'other'],
    ['mongodb+srv://cluster.example.net/', 'telefhir'],
    ['mongodb://localhost:27017', 'telefhir'],
    ['mongodb://localhost/?replicaSet=rs0', 'telefhir'],
  ])('%s → %s', (input, expected) => {
    expect(databaseName(input)).toBe(expected);
  });
});

if (!uri) {
  console.warn('test/storage/mongo: MONGODB_URI is not set, the MongoDB storage contract is skipped (set it to a replica set to run it)');
}

(uri ? describe : describe.skip)('MongoDB store: storage contract', () => {
  const testUri = (uri ?? '').replace(/\/([^/?]*)(\?|$)/, (_m, _db, tail: string) => `/telefhir_test_${randomUUID().slice(0, 8)}${tail}`);

  storeContract(async () => {
    const store = await openMongoStore({ uri: testUri });
    return {
      store,
      cleanup: async () => {
        await store.close();
        const client = await MongoClient.connect(testUri);
        await client.db(databaseName(testUri)).dropDatabase();
        await client.close();
      },
    };
  });

  it('openStore chooses MongoDB and reports transaction support', async () => {
    const store = await openStore({ mongodbUri: testUri, dataDir: 'unused', requireTransactions: false });
    expect(store.kind).toBe('mongodb');
    await store.close();
    const mongo = await openMongoStore({ uri: testUri });
    expect(typeof mongo.supportsTransactions).toBe('boolean');
    if (mongo.supportsTransactions) expect(() => mongo.assertTransactionsSupported()).not.toThrow();
    else expect(() => mongo.assertTransactionsSupported()).toThrow(/replica set/);
    await mongo.close();
  });
});
