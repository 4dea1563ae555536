/**
 * The storage port: the small subset of the MongoDB driver API that Telefhir uses.
 *
 * Both adapters execute the very same filter, sort and projection documents:
 * - storage/mongo passes them through to the official driver (production);
 * - storage/embedded evaluates them with mingo over a durable journal (default).
 *
 * Everything above this file (versioning, history, conditional logic, search) is written once.
 * Keep filters to what both engines implement identically: equality, $in, $nin, $ne, $exists,
 * $gt/$gte/$lt/$lte, $and/$or/$nor/$not, $elemMatch, $regex (anchored prefixes preferred),
 * $all, $size. Index encodings must be plain strings and numbers or arrays of them.
 */

/** A MongoDB query document, e.g. `{ 'idx.code': { $in: ['c:8867-4'] } }`. */
export type Filter = Record<string, unknown>;

/** A MongoDB sort document; keys are dotted paths. Ties are broken by `_id` ascending by the caller. */
export type SortSpec = Record<string, 1 | -1>;

/** Inclusion (1) or exclusion (0) projection; do not mix the two except for `_id`. */
export type Projection = Record<string, 0 | 1>;

/** Every stored document has a string `_id`. */
export interface StoredDocument {
  _id: string;
}

/** An opaque transaction handle. Pass it to every call that belongs to the transaction. */
export interface TxSession {
  readonly __txSession: true;
}

export interface WriteOptions {
  session?: TxSession;
}

export interface FindOptions extends WriteOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  projection?: Projection;
}

/** A long read in `_id` order, handed out in batches (bulk export). */
export interface ScanOptions {
  /** Only documents whose `_id` sorts after this one (resuming a scan). */
  after?: string;
  batchSize: number;
  projection?: Projection;
}

export interface ReplaceOptions extends WriteOptions {
  /** Insert `replacement` when nothing matches the filter. */
  upsert?: boolean;
}

export interface ReplaceResult {
  /** Documents matched by the filter (0 or 1). */
  matchedCount: number;
  /** True when the document was inserted by `upsert`. */
  upserted: boolean;
}

export interface IndexSpec {
  /** Dotted paths, e.g. `{ 'idx.patient': 1, lastUpdated: -1 }`. Multikey arrays are allowed. */
  keys: Record<string, 1 | -1>;
  name?: string;
  unique?: boolean;
}

/** Thrown by insertOne (and upserts) when `_id` or a unique index already holds the key. */
export class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(message = 'duplicate key') {
    super(message);
    this.name = 'DuplicateKeyError';
  }
}

/**
 * Thrown when a transaction cannot commit because of a concurrent write, after the adapter's own
 * bounded retries; the client may retry (409).
 */
export class TransactionConflictError extends Error {
  constructor(message = 'transaction write conflict') {
    super(message);
    this.name = 'TransactionConflictError';
  }
}

/**
 * Thrown when the store cannot be reached or did not answer within its time limit (MongoDB
 * server selection, network failures, operation timeouts, a commit whose outcome stayed
 * unknown). Nothing about the request was wrong: the client should retry after
 * `retryAfterSeconds` (503 with Retry-After).
 */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

export interface DocumentCollection<T extends StoredDocument = StoredDocument> {
  readonly name: string;
  /** Resolves once the write is durable (journal fsynced / acknowledged by the server). */
  insertOne(doc: T, options?: WriteOptions): Promise<void>;
  findOne(filter: Filter, options?: FindOptions): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter: Filter, options?: WriteOptions): Promise<number>;
  /**
   * The number of documents in the collection from its metadata, without reading them
   * (MongoDB's estimatedDocumentCount; exact on the embedded engine). Not transactional.
   */
  estimatedDocumentCount(): Promise<number>;
  /**
   * Replaces the first document matching `filter`. Optimistic concurrency is expressed in the
   * filter, e.g. `{ _id: 'p1', versionId: 3 }`: a miss returns matchedCount 0.
   */
  replaceOne(filter: Filter, replacement: T, options?: ReplaceOptions): Promise<ReplaceResult>;
  /** Returns the number of documents deleted (0 or 1). */
  deleteOne(filter: Filter, options?: WriteOptions): Promise<number>;
  deleteMany(filter: Filter, options?: WriteOptions): Promise<number>;
  /** Idempotent: creating an existing index is a no-op. */
  createIndex(spec: IndexSpec): Promise<void>;
  /**
   * Optional: every document matching `filter`, in `_id` order, in batches, without re-running
   * the query per batch (a MongoDB cursor; on the embedded engine a snapshot of the candidates,
   * tested and copied one batch at a time). Callers fall back to keyset pages with `find` when
   * absent. Outside transactions only.
   */
  scan?(filter: Filter, options: ScanOptions): AsyncIterable<T[]>;
}

/** Large binary content (store-and-forward media), streamed in and out. */
export interface BlobInfo {
  id: string;
  size: number;
  contentType: string;
}

export interface BlobStore {
  /** Streams `content` to storage without holding it in memory; rejects past `maxBytes`. */
  write(id: string, contentType: string, content: NodeJS.ReadableStream, maxBytes: number): Promise<BlobInfo>;
  stat(id: string): Promise<BlobInfo | null>;
  /** Inclusive byte range, as in an HTTP Range header. */
  read(id: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream>;
  delete(id: string): Promise<void>;
}

export interface DocumentStore {
  readonly kind: 'embedded' | 'mongodb';
  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T>;
  /** Names of collections that hold at least one document (or were created). */
  listCollections(): Promise<string[]>;
  /**
   * Creates the named collections when missing, outside any transaction (start-up): MongoDB
   * cannot create a collection inside a cross-shard transaction, and two transactions that both
   * create one implicitly conflict. A no-op on the embedded engine.
   */
  ensureCollections(names: readonly string[]): Promise<void>;
  /**
   * Runs `work` atomically: all of its writes are committed together or none is. The embedded
   * engine commits them as one journal record; MongoDB uses a multi-document transaction
   * (replica set required). `work` may be retried on TransactionConflictError.
   */
  withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R>;
  readonly blobs: BlobStore;
  /** Throws when the store is unreachable (used by /readyz). */
  ping(): Promise<void>;
  /** Flushes pending writes and releases files or connections. */
  close(): Promise<void>;
}

/** Thrown by BlobStore.write when the content exceeds `maxBytes` (nothing is kept). */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`content exceeds the limit of ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** What the adapters log through (pino's logger fits). Never given patient data. */
export interface StoreLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
