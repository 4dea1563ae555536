import type { DocumentCollection, DocumentStore, Filter, FindOptions, StoredDocument, TxSession, WriteOptions } from '../../../src/storage/port';
import type { Query } from './plan';

/** One query sent to the store, with the HTTP request that caused it. */
export interface Recorded extends Query {
  request: string;
}

/**
 * A DocumentStore that records every (collection, filter, sort, limit) its collections are asked,
 * then runs it on the wrapped store. Writes record their filter too (replaceOne / deleteOne
 * select by `_id`, conditional deletes by search). `request` labels what follows.
 */
export class RecordingStore implements DocumentStore {
  readonly queries: Recorded[] = [];
  request = '(start-up)';

  constructor(private readonly inner: DocumentStore) {}

  get kind() {
    return this.inner.kind;
  }
  get blobs() {
    return this.inner.blobs;
  }

  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T> {
    const inner = this.inner.collection<T>(name);
    const record = (op: Query['op'], filter: Filter, options: FindOptions = {}) =>
      this.queries.push({ request: this.request, collection: name, op, filter, ...(options.sort ? { sort: options.sort } : {}), ...(options.limit ? { limit: options.limit } : {}) });
    return {
      name,
      insertOne: (doc, options) => inner.insertOne(doc, options),
      findOne: (filter, options) => (record('find', filter, { ...options, limit: 1 }), inner.findOne(filter, options)),
      find: (filter, options) => (record('find', filter, options), inner.find(filter, options)),
      countDocuments: (filter, options?: WriteOptions) => (record('count', filter), inner.countDocuments(filter, options)),
      estimatedDocumentCount: () => inner.estimatedDocumentCount(),
      replaceOne: (filter, doc, options) => (record('find', filter, { limit: 1 }), inner.replaceOne(filter, doc, options)),
      deleteOne: (filter, options) => (record('find', filter, { limit: 1 }), inner.deleteOne(filter, options)),
      deleteMany: (filter, options) => (record('count', filter), inner.deleteMany(filter, options)),
      createIndex: (spec) => inner.createIndex(spec),
    };
  }

  ensureCollections(names: readonly string[]): Promise<void> {
    return this.inner.ensureCollections(names);
  }
  listCollections(): Promise<string[]> {
    return this.inner.listCollections();
  }
  withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R> {
    return this.inner.withTransaction(work);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
