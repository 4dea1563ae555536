import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { databaseName, openMongoStore } from '../../src/storage/mongo/open';
import type { MongoStore } from '../../src/storage/mongo/store';

/** MONGODB_URI names the replica set the MongoDB runs use; without it they are skipped. */
export const mongoUri = process.env['MONGODB_URI'] || undefined;

/** `describe` when MONGODB_URI is set, else `describe.skip` (with one printed reason per file). */
export function describeOnMongo(file: string): jest.Describe {
  if (!mongoUri) console.warn(`${file}: MONGODB_URI is not set, its MongoDB runs are skipped (set it to a replica set to run them)`);
  return mongoUri ? describe : describe.skip;
}

/** The URI with a fresh database name, so runs never see each other's data. */
export function freshDatabaseUri(prefix = 'telefhir_test'): string {
  return (mongoUri ?? '').replace(/\/([^/?]*)(\?|$)/, (_m, _db, tail: string) => `/${prefix}_${randomUUID().slice(0, 8)}${tail}`);
}

/** A MongoDB store on a fresh database whose close() also drops that database. */
export async function openThrowawayMongoStore(): Promise<MongoStore> {
  const uri = freshDatabaseUri();
  const store = await openMongoStore({ uri });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    const client = await MongoClient.connect(uri);
    await client.db(databaseName(uri)).dropDatabase();
    await client.close();
  };
  return store;
}
