import type { ClientSession, Collection, Document, Filter as MongoFilter, FindOptions as MongoFindOptions } from 'mongodb';
import { createOrReplaceIndex } from './index-migration';
import {
  DuplicateKeyError,
  type DocumentCollection,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type ReplaceOptions,
  type StoreLogger,
  type ReplaceResult,
  type ScanOptions,
  type StoredDocument,
  type TxSession,
} from '../port';

/**
 * What a collection needs from its store: the driver session of a port session handle
 * (undefined outside a transaction), and the mapping of driver errors to port errors (which
 * also tells the running transaction that it must be retried).
 */
export interface DriverAccess {
  sessionOf(session: TxSession | undefined): ClientSession | undefined;
  fail(error: unknown, session: TxSession | undefined, context: string): unknown;
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

async function mapDuplicate<R>(collection: string, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    if (isDuplicateKey(error)) throw new DuplicateKeyError(`${collection}: ${(error as Error).message}`);
    throw error;
  }
}

/** The port's collection API as a pass-through to the official driver. */
export class MongoCollection<T extends StoredDocument> implements DocumentCollection<T> {
  constructor(
    private readonly inner: Collection<Document>,
    private readonly driver: DriverAccess,
    private readonly logger?: StoreLogger,
  ) {}

  get name(): string {
    return this.inner.collectionName;
  }

  private async run<R>(session: TxSession | undefined, call: (driverSession: ClientSession | undefined) => Promise<R>): Promise<R> {
    const driverSession = this.driver.sessionOf(session);
    try {
      return await call(driverSession);
    } catch (error) {
      throw this.driver.fail(error, session, this.name);
    }
  }

  async insertOne(doc: T, options: { session?: TxSession } = {}): Promise<void> {
    await this.run(options.session, (session) => this.inner.insertOne({ ...doc } as Document, { session }));
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    return (await this.find(filter, { ...options, limit: 1 }))[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.run(options.session, async (session) => {
      const driverOptions: MongoFindOptions = { session };
      if (options.sort && Object.keys(options.sort).length > 0) driverOptions.sort = options.sort;
      if (options.skip) driverOptions.skip = options.skip;
      if (options.limit) driverOptions.limit = options.limit;
      if (options.projection && Object.keys(options.projection).length > 0) driverOptions.projection = options.projection;
      return (await this.inner.find(filter as MongoFilter<Document>, driverOptions).toArray()) as unknown as T[];
    });
  }

  /** A driver cursor in `_id` order (the `_id` index), read `batchSize` documents per round trip. */
  async *scan(filter: Filter, options: ScanOptions): AsyncGenerator<T[]> {
    const bounded = options.after === undefined ? filter : { $and: [filter, { _id: { $gt: options.after } }] };
    const driverOptions: MongoFindOptions = { sort: { _id: 1 }, batchSize: options.batchSize };
    if (options.projection && Object.keys(options.projection).length > 0) driverOptions.projection = options.projection;
    const cursor = this.inner.find(bounded as MongoFilter<Document>, driverOptions);
    let batch: T[] = [];
    try {
      for await (const doc of cursor) {
        batch.push(doc as unknown as T);
        if (batch.length >= options.batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } catch (error) {
      throw this.driver.fail(error, undefined, this.name);
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }

  countDocuments(filter: Filter, options: { session?: TxSession } = {}): Promise<number> {
    return this.run(options.session, (session) => this.inner.countDocuments(filter as MongoFilter<Document>, { session }));
  }

  estimatedDocumentCount(): Promise<number> {
    return this.inner.estimatedDocumentCount();
  }

  async replaceOne(filter: Filter, replacement: T, options: ReplaceOptions = {}): Promise<ReplaceResult> {
    const result = await this.run(options.session, (session) =>
      this.inner.replaceOne(filter as MongoFilter<Document>, replacement as Document, { upsert: options.upsert === true, session }),
    );
    return { matchedCount: result.matchedCount, upserted: result.upsertedCount > 0 };
  }

  async deleteOne(filter: Filter, options: { session?: TxSession } = {}): Promise<number> {
    return (await this.run(options.session, (session) => this.inner.deleteOne(filter as MongoFilter<Document>, { session }))).deletedCount;
  }

  async deleteMany(filter: Filter, options: { session?: TxSession } = {}): Promise<number> {
    return (await this.run(options.session, (session) => this.inner.deleteMany(filter as MongoFilter<Document>, { session }))).deletedCount;
  }

  /** Idempotent; a changed declaration replaces the index of the same name (index-migration.ts). */
  async createIndex(spec: IndexSpec): Promise<void> {
    await mapDuplicate(this.name, () => createOrReplaceIndex(this.inner, spec, this.logger));
  }
}
