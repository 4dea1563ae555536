import { MongoClient, MongoError, type ClientSession, type Db } from 'mongodb';
import {
  TransactionConflictError,
  type BlobStore,
  type DocumentCollection,
  type DocumentStore,
  type StoredDocument,
  type StoreLogger,
  type TxSession,
} from '../port';
import { GridFsBlobStore } from './blobs';
import { MongoCollection } from './collection';

export interface MongoStoreOptions {
  uri: string;
  logger?: StoreLogger;
}

/** The database named in the URI path (`mongodb://host/db?...`), `telefhir` by default. */
export function databaseName(uri: string): string {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  const name = m?.[1] ? decodeURIComponent(m[1]) : '';
  return name || 'telefhir';
}

/** GridFS and system collections are not document collections of the application. */
const isInternal = (name: string) => name.startsWith('system.') || name.startsWith('blobs.');

export class TransactionsUnsupportedError extends Error {
  constructor() {
    super(
      'MongoDB transactions are required but this deployment does not support them: it is a standalone server. ' +
        'Run MongoDB as a replica set (a single node is enough: start mongod with --replSet rs0 and run rs.initiate() once) ' +
        'or behind mongos, and point MONGODB_URI at it.',
    );
    this.name = 'TransactionsUnsupportedError';
  }
}

/**
 * The MongoDB adapter: the port passed through to the official driver. Transactions use
 * ClientSession.withTransaction (which retries transient conflicts itself); they need a replica
 * set or mongos, detected at open with `hello`.
 */
export class MongoStore implements DocumentStore {
  readonly kind = 'mongodb' as const;
  readonly blobs: BlobStore;
  private readonly sessions = new WeakMap<TxSession, ClientSession>();
  private readonly collections = new Map<string, MongoCollection<StoredDocument>>();
  private warnedNoTransactions = false;

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    /** True on a replica set or sharded cluster: multi-document transactions are available. */
    readonly supportsTransactions: boolean,
    private readonly logger?: StoreLogger,
  ) {
    this.blobs = new GridFsBlobStore(db);
  }

  /** For main.ts: fail at start, with instructions, when transactions are missing. */
  assertTransactionsSupported(): void {
    if (!this.supportsTransactions) throw new TransactionsUnsupportedError();
  }

  private readonly sessionOf = (session: TxSession | undefined): ClientSession | undefined => {
    if (!session) return undefined;
    const driverSession = this.sessions.get(session);
    if (!driverSession && this.supportsTransactions) throw new Error('the transaction of this session has ended (or belongs to another store)');
    return driverSession;
  };

  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new MongoCollection(this.db.collection(name), this.sessionOf, this.logger)));
    return c as unknown as DocumentCollection<T>;
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return infos.map((i) => i.name).filter((name) => !isInternal(name));
  }

  async withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R> {
    if (!this.supportsTransactions) {
      // only reachable when the caller chose to run without transactions: writes are not atomic
      if (!this.warnedNoTransactions) this.logger?.warn('MongoDB without transactions: multi-document writes are NOT atomic');
      this.warnedNoTransactions = true;
      return work(Object.freeze({ __txSession: true as const }));
    }
    const driverSession = this.client.startSession();
    const handle: TxSession = Object.freeze({ __txSession: true as const });
    this.sessions.set(handle, driverSession);
    try {
      let result: R | undefined;
      await driverSession.withTransaction(async () => {
        result = await work(handle);
      });
      return result as R;
    } catch (error) {
      // the driver retried transient conflicts until its time limit: report a retryable conflict
      if (error instanceof MongoError && error.hasErrorLabel('TransientTransactionError')) throw new TransactionConflictError(error.message);
      throw error;
    } finally {
      this.sessions.delete(handle);
      await driverSession.endSession();
    }
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  // undefined fields are dropped, as JSON (and so the embedded engine) does
  const client = new MongoClient(options.uri, { serverSelectionTimeoutMS: 10_000, ignoreUndefined: true });
  await client.connect();
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    const supportsTransactions = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
    return new MongoStore(client, client.db(databaseName(options.uri)), supportsTransactions, options.logger);
  } catch (error) {
    await client.close();
    throw error;
  }
}
