import { openEmbeddedStore } from './embedded/store';
import type { DocumentStore, StoreLogger } from './port';

export interface OpenStoreOptions {
  /** When set, MongoDB is used; otherwise the embedded engine under `dataDir`. */
  mongodbUri?: string;
  dataDir: string;
  logger?: StoreLogger;
  /** MongoDB only: see MongoStoreOptions. */
  serverSelectionTimeoutMs?: number;
  timeoutMs?: number;
  /** MongoDB only: refuse to start on a deployment without transactions (default true). */
  requireTransactions?: boolean;
}

/**
 * Opens the configured store. With MongoDB, a deployment without transactions (standalone
 * server) is refused with instructions unless `requireTransactions` is false.
 */
export async function openStore(options: OpenStoreOptions): Promise<DocumentStore> {
  if (!options.mongodbUri) return openEmbeddedStore({ dataDir: options.dataDir, logger: options.logger });
  // loaded on demand: the driver costs ~0.1 s of start-up (seconds on a busy host) to an embedded server
  const { openMongoStore } = await import('./mongo/open');
  const store = await openMongoStore({
    uri: options.mongodbUri,
    logger: options.logger,
    serverSelectionTimeoutMs: options.serverSelectionTimeoutMs,
    timeoutMs: options.timeoutMs,
  });
  if (options.requireTransactions !== false) {
    try {
      store.assertTransactionsSupported();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
