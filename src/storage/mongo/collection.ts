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
  type StoredDocument,
  type TxSession,
  type WriteOptions,
} from '../port';

/** Maps the port's session handle to the driver's session (undefined outside a transaction). */
export type SessionResolver = (session: TxSession | undefined) => ClientSession | undefined;

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
    private readonly sessionOf: SessionResolver,
    private readonly logger?: StoreLogger,
  ) {}

  get name(): string {
    return this.inner.collectionName;
  }

  async insertOne(doc: T, options: WriteOptions = {}): Promise<void> {
    await mapDuplicate(this.name, () => this.inner.insertOne({ ...doc } as Document, { session: this.sessionOf(options.session) }));
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    return (await this.find(filter, { ...options, limit: 1 }))[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const driverOptions: MongoFindOptions = { session: this.sessionOf(options.session) };
    if (options.sort && Object.keys(options.sort).length > 0) driverOptions.sort = options.sort;
    if (options.skip) driverOptions.skip = options.skip;
    if (options.limit) driverOptions.limit = options.limit;
    if (options.projection && Object.keys(options.projection).length > 0) driverOptions.projection = options.projection;
    return (await this.inner.find(filter as MongoFilter<Document>, driverOptions).toArray()) as unknown as T[];
  }

  countDocuments(filter: Filter, options: WriteOptions = {}): Promise<number> {
    return this.inner.countDocuments(filter as MongoFilter<Document>, { session: this.sessionOf(options.session) });
  }

  estimatedDocumentCount(): Promise<number> {
    return this.inner.estimatedDocumentCount();
  }

  async replaceOne(filter: Filter, replacement: T, options: ReplaceOptions = {}): Promise<ReplaceResult> {
    const result = await mapDuplicate(this.name, () =>
      this.inner.replaceOne(filter as MongoFilter<Document>, replacement as Document, { upsert: options.upsert === true, session: this.sessionOf(options.session) }),
    );
    return { matchedCount: result.matchedCount, upserted: result.upsertedCount > 0 };
  }

  async deleteOne(filter: Filter, options: WriteOptions = {}): Promise<number> {
    return (await this.inner.deleteOne(filter as MongoFilter<Document>, { session: this.sessionOf(options.session) })).deletedCount;
  }

  async deleteMany(filter: Filter, options: WriteOptions = {}): Promise<number> {
    return (await this.inner.deleteMany(filter as MongoFilter<Document>, { session: this.sessionOf(options.session) })).deletedCount;
  }

  /** Idempotent; a changed declaration replaces the index of the same name (index-migration.ts). */
  async createIndex(spec: IndexSpec): Promise<void> {
    await mapDuplicate(this.name, () => createOrReplaceIndex(this.inner, spec, this.logger));
  }
}
