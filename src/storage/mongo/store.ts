import { MongoClient, type ClientSession, type Db } from 'mongodb';
import type { BlobStore, DocumentCollection, DocumentStore, StoredDocument, StoreLogger, TxSession } from '../port';
import { GridFsBlobStore } from './blobs';
import { MongoCollection, type DriverAccess } from './collection';
import { NAMESPACE_EXISTS, toPortError, TransactionsUnsupportedError } from './errors';
import { DEFAULT_TRANSACTION_POLICY, noteDriverError, runMongoTransaction, type AttemptState, type TransactionPolicy } from './transaction';

/** GridFS and system collections are not document collections of the application. */
const isInternal = (name: string) => name.startsWith('system.') || name.startsWith('blobs.');

interface Bound {
  session: ClientSession;
  state: AttemptState;
}

/**
 * The MongoDB adapter: the port passed through to the official driver. Transactions (replica set
 * or mongos, detected at open with `hello`) use the core API with snapshot read concern,
 * majority write concern, primary reads and bounded retries (transaction.ts); driver errors
 * become port errors (errors.ts).
 */
export class MongoStore implements DocumentStore {
  readonly kind = 'mongodb' as const;
  readonly blobs: BlobStore;
  private readonly bound = new WeakMap<TxSession, Bound>();
  private readonly collections = new Map<string, MongoCollection<StoredDocument>>();
  private warnedNoTransactions = false;
  private readonly policy: TransactionPolicy;

  constructor(
    private readonly client: Pick<MongoClient, 'startSession' | 'close'>,
    private readonly db: Db,
    /** True on a replica set or sharded cluster: multi-document transactions are available. */
    readonly supportsTransactions: boolean,
    private readonly logger?: StoreLogger,
    policy: Partial<TransactionPolicy> = {},
  ) {
    this.blobs = new GridFsBlobStore(db);
    this.policy = { ...DEFAULT_TRANSACTION_POLICY, ...policy };
  }

  /** For openStore: fail at start, with instructions, when transactions are missing. */
  assertTransactionsSupported(): void {
    if (!this.supportsTransactions) throw new TransactionsUnsupportedError();
  }

  private readonly driver: DriverAccess = {
    sessionOf: (session) => {
      if (!session) return undefined;
      const bound = this.bound.get(session);
      if (!bound && this.supportsTransactions) throw new Error('the transaction of this session has ended (or belongs to another store)');
      return bound?.session;
    },
    fail: (error, session, context) => {
      noteDriverError(session ? this.bound.get(session)?.state : undefined, error);
      return toPortError(error, context, this.policy.retryAfterSeconds);
    },
  };

  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new MongoCollection(this.db.collection(name), this.driver, this.logger)));
    return c as unknown as DocumentCollection<T>;
  }

  private async guard<R>(context: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw toPortError(error, context, this.policy.retryAfterSeconds);
    }
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.guard('listCollections', () => this.db.listCollections({}, { nameOnly: true }).toArray());
    return infos.map((i) => i.name).filter((name) => !isInternal(name));
  }

  async ensureCollections(names: readonly string[]): Promise<void> {
    const existing = new Set(await this.listCollections());
    for (const name of names) {
      if (existing.has(name)) continue;
      await this.guard(`create ${name}`, async () => {
        try {
          await this.db.createCollection(name);
        } catch (error) {
          // another instance created it first
          if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
        }
      });
    }
  }

  async withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R> {
    const handle: TxSession = Object.freeze({ __txSession: true as const });
    if (!this.supportsTransactions) {
      // only reachable when the caller chose to run without transactions: writes are not atomic
      if (!this.warnedNoTransactions) this.logger?.warn('MongoDB without transactions: multi-document writes are NOT atomic');
      this.warnedNoTransactions = true;
      return work(handle);
    }
    return runMongoTransaction(
      this.client,
      this.policy,
      (session, state) => {
        this.bound.set(handle, { session, state });
        return () => this.bound.delete(handle);
      },
      () => work(handle),
    );
  }

  async ping(): Promise<void> {
    await this.guard('ping', () => this.db.command({ ping: 1 }));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
