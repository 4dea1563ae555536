import { Query } from 'mingo';
import type {
  BlobStore,
  DocumentCollection,
  DocumentStore,
  Filter,
  FindOptions,
  IndexSpec,
  ReplaceOptions,
  ReplaceResult,
  StoredDocument,
  TxSession,
} from '../port';
import { DuplicateKeyError } from '../port';

/**
 * FIRST CUT of the embedded engine: in-memory, mingo for filters, no journal, no indexes.
 * The storage issue replaces it with the durable, indexed engine behind the same port.
 */
class MemoryCollection<T extends StoredDocument> implements DocumentCollection<T> {
  private readonly docs = new Map<string, T>();
  constructor(readonly name: string) {}

  async insertOne(doc: T): Promise<void> {
    if (this.docs.has(doc._id)) throw new DuplicateKeyError(`${this.name}: duplicate _id ${doc._id}`);
    this.docs.set(doc._id, structuredClone(doc));
  }
  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    return (await this.find(filter, { ...options, limit: 1 }))[0] ?? null;
  }
  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = new Query(filter).find([...this.docs.values()], options.projection);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return (cursor.all() as T[]).map((d) => structuredClone(d));
  }
  async countDocuments(filter: Filter): Promise<number> {
    return new Query(filter).find([...this.docs.values()]).count();
  }
  async replaceOne(filter: Filter, replacement: T, options: ReplaceOptions = {}): Promise<ReplaceResult> {
    const found = new Query(filter).find([...this.docs.values()]).limit(1).all()[0] as T | undefined;
    if (found) {
      this.docs.set(found._id, structuredClone(replacement));
      return { matchedCount: 1, upserted: false };
    }
    if (!options.upsert) return { matchedCount: 0, upserted: false };
    await this.insertOne(replacement);
    return { matchedCount: 0, upserted: true };
  }
  async deleteOne(filter: Filter): Promise<number> {
    const found = (await this.find(filter, { limit: 1 }))[0];
    return found && this.docs.delete(found._id) ? 1 : 0;
  }
  async deleteMany(filter: Filter): Promise<number> {
    const found = await this.find(filter);
    for (const d of found) this.docs.delete(d._id);
    return found.length;
  }
  async createIndex(_spec: IndexSpec): Promise<void> {}
}

export class EmbeddedStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  private readonly collections = new Map<string, MemoryCollection<StoredDocument>>();

  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new MemoryCollection(name)));
    return c as unknown as DocumentCollection<T>;
  }
  async listCollections(): Promise<string[]> {
    return [...this.collections.keys()];
  }
  async withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R> {
    return work({ __txSession: true });
  }
  get blobs(): BlobStore {
    throw new Error('blobs not implemented yet');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

export async function openEmbeddedStore(_options: { dataDir: string }): Promise<EmbeddedStore> {
  return new EmbeddedStore();
}
