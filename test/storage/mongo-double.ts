import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClientSession, Db, MongoClient, TransactionOptions } from 'mongodb';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/store';
import { MongoStore } from '../../src/storage/mongo/store';
import type { Filter, StoredDocument } from '../../src/storage/port';

/**
 * A stand-in for the driver's MongoClient/Db that no server backs: collections delegate to an
 * embedded store (without transactions: the double is about errors, not isolation) and throw the
 * driver's REAL error classes where a test injects them. MongoStore runs unchanged on top.
 */
export type Operation = 'insertOne' | 'find' | 'countDocuments' | 'replaceOne' | 'deleteOne' | 'commitTransaction';

interface Fault {
  op: Operation;
  collection?: string;
  error: () => Error;
  remaining: number;
}

export class DriverDouble {
  private readonly faults: Fault[] = [];
  readonly transactionOptions: TransactionOptions[] = [];
  commits = 0;
  aborts = 0;

  constructor(readonly inner: EmbeddedStore) {}

  /** The next `times` calls of `op` (on `collection`, when given) throw `error()`. */
  fail(op: Operation, error: () => Error, times = Number.POSITIVE_INFINITY, collection?: string): void {
    this.faults.push({ op, error, remaining: times, ...(collection ? { collection } : {}) });
  }

  clear(): void {
    this.faults.length = 0;
  }

  trip(op: Operation, collection?: string): void {
    const fault = this.faults.find((f) => f.op === op && f.remaining > 0 && (f.collection === undefined || f.collection === collection));
    if (!fault) return;
    fault.remaining -= 1;
    throw fault.error();
  }

  client(double: DriverDouble = this): Pick<MongoClient, 'startSession' | 'close'> {
    return {
      startSession: () => {
        let active = false;
        const session = {
          startTransaction(options: TransactionOptions) {
            double.transactionOptions.push(options);
            active = true;
          },
          inTransaction: () => active,
          async commitTransaction() {
            double.commits += 1;
            double.trip('commitTransaction');
            active = false;
          },
          async abortTransaction() {
            double.aborts += 1;
            active = false;
          },
          async endSession() {},
        };
        return session as unknown as ClientSession;
      },
      close: async () => undefined,
    } as unknown as Pick<MongoClient, 'startSession' | 'close'>;
  }

  db(double: DriverDouble = this): Db {
    const collection = (name: string) => {
      const c = double.inner.collection<StoredDocument>(name);
      return {
        collectionName: name,
        async insertOne(doc: StoredDocument) {
          double.trip('insertOne', name);
          await c.insertOne(doc);
          return { acknowledged: true, insertedId: doc._id };
        },
        find(filter: Filter, options: { sort?: never; skip?: number; limit?: number; projection?: never }) {
          return {
            toArray: async () => {
              double.trip('find', name);
              return c.find(filter, { sort: options.sort, skip: options.skip, limit: options.limit, projection: options.projection });
            },
          };
        },
        async countDocuments(filter: Filter) {
          double.trip('countDocuments', name);
          return c.countDocuments(filter);
        },
        async replaceOne(filter: Filter, doc: StoredDocument, options: { upsert?: boolean }) {
          double.trip('replaceOne', name);
          const r = await c.replaceOne(filter, doc, { upsert: options.upsert === true });
          return { matchedCount: r.matchedCount, upsertedCount: r.upserted ? 1 : 0 };
        },
        async deleteOne(filter: Filter) {
          double.trip('deleteOne', name);
          return { deletedCount: await c.deleteOne(filter) };
        },
        async deleteMany(filter: Filter) {
          return { deletedCount: await c.deleteMany(filter) };
        },
        async createIndex() {
          return 'index';
        },
      };
    };
    return { collection, command: async () => ({ ok: 1 }) } as unknown as Db;
  }
}

/** A MongoStore (transactions on) over the double, and its clean-up. */
export async function openMongoDouble(): Promise<{ store: MongoStore; driver: DriverDouble; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-mongo-double-'));
  const inner = await openEmbeddedStore({ dataDir });
  const driver = new DriverDouble(inner);
  const store = new MongoStore(driver.client(), driver.db(), true, undefined, { backoffMs: 1, retryAfterSeconds: 5 });
  return {
    store,
    driver,
    close: async () => {
      await inner.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
