import type { BlobStore, DocumentCollection, DocumentStore, StoredDocument, StoreLogger, TxSession } from '../port';
import { FileBlobStore } from './blobs';
import { EmbeddedCollection } from './collection';
import { Engine } from './engine';
import { blobDir } from './files';

export interface EmbeddedStoreOptions {
  /** Directory owned by this process: journal, snapshots, blobs (see files.ts for the layout). */
  dataDir: string;
  /** Compact once the journal passes this many bytes (default 64 MiB). */
  compactAfterBytes?: number;
  /** JSON bytes of recently read documents kept parsed (default 16 MiB; 0 turns the cache off). */
  parsedCacheBytes?: number;
  logger?: StoreLogger;
}

/**
 * The embedded document store: MongoDB's query language (mingo) over in-memory tables with
 * equality indexes, made durable by a group-committed journal and snapshots.
 */
export class EmbeddedStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  readonly blobs: BlobStore;
  private readonly collections = new Map<string, EmbeddedCollection<StoredDocument>>();

  constructor(
    private readonly engine: Engine,
    dataDir: string,
  ) {
    this.blobs = new FileBlobStore(blobDir(dataDir));
  }

  collection<T extends StoredDocument = StoredDocument>(name: string): EmbeddedCollection<T> & DocumentCollection<T> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new EmbeddedCollection(name, this.engine)));
    return c as unknown as EmbeddedCollection<T>;
  }

  async listCollections(): Promise<string[]> {
    this.engine.assertUsable();
    return this.engine.existingTables().map((t) => t.name);
  }

  /** Tables exist as soon as they are written: nothing to prepare. */
  async ensureCollections(): Promise<void> {
    this.engine.assertUsable();
  }

  withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R> {
    return this.engine.withTransaction(work);
  }

  /** Writes a snapshot and starts a fresh journal now (it also happens at open and by size). */
  compact(): Promise<void> {
    return this.engine.compact();
  }

  /** Diagnostics: journal records and fsyncs since open, and the current generation. */
  stats(): { records: number; flushes: number; generation: number } {
    return { ...this.engine.counters, generation: this.engine.generation };
  }

  async ping(): Promise<void> {
    this.engine.ping();
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const engine = await Engine.open(options);
  return new EmbeddedStore(engine, options.dataDir);
}
