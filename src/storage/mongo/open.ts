import { MongoClient } from 'mongodb';
import type { StoreLogger } from '../port';
import { isUnreachable } from './errors';
import { MongoStore } from './store';
import { DEFAULT_TRANSACTION_POLICY } from './transaction';

export interface MongoStoreOptions {
  uri: string;
  logger?: StoreLogger;
  /** How long an operation waits for a usable server before 503 (MONGODB_SERVER_SELECTION_TIMEOUT_MS, 5000). */
  serverSelectionTimeoutMs?: number;
  /** Time limit of every operation, retries included (MONGODB_TIMEOUT_MS, the driver's timeoutMS; 0 = none). */
  timeoutMs?: number;
}

export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 30_000;

/** The database named in the URI path (`mongodb://host/db?...`), `telefhir` by default. */
export function databaseName(uri: string): string {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  const name = m?.[1] ? decodeURIComponent(m[1]) : '';
  return name || 'telefhir';
}

/** The hosts of a connection string without user or password, for messages. */
export function describeHosts(uri: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/)(?:[^@/?]*@)?([^/?]*)/.exec(uri);
  return m ? `${m[1]}${m[2]}` : 'the MONGODB_URI deployment';
}

/** Retry-After of a 503: the time a client should give the deployment to elect or come back. */
const retryAfterSeconds = (serverSelectionTimeoutMs: number) => Math.max(1, Math.ceil(serverSelectionTimeoutMs / 1000));

export class MongoUnreachableError extends Error {
  constructor(uri: string, cause: unknown) {
    super(
      `Cannot reach MongoDB at ${describeHosts(uri)} (MONGODB_URI) within the server selection timeout ` +
        `(MONGODB_SERVER_SELECTION_TIMEOUT_MS): ${(cause as Error)?.message ?? String(cause)}. ` +
        'Check that mongod runs, that the host and port are reachable, and that the replica set name in the URI is right.',
    );
    this.name = 'MongoUnreachableError';
  }
}

export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMs ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  const timeoutMS = options.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  // undefined fields are dropped, as JSON (and so the embedded engine) does
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS,
    ...(timeoutMS > 0 ? { timeoutMS } : {}),
    ignoreUndefined: true,
  });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw isUnreachable(error) ? new MongoUnreachableError(options.uri, error) : error;
  }
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    const supportsTransactions = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
    options.logger?.info(
      `MongoDB at ${describeHosts(options.uri)} (MONGODB_URI), database ${databaseName(options.uri)}: ` +
        (supportsTransactions ? `transactions available (${typeof hello.setName === 'string' ? `replica set ${hello.setName}` : 'mongos'})` : 'standalone server, NO transactions'),
    );
    return new MongoStore(client, client.db(databaseName(options.uri)), supportsTransactions, options.logger, {
      ...DEFAULT_TRANSACTION_POLICY,
      retryAfterSeconds: retryAfterSeconds(serverSelectionTimeoutMS),
    });
  } catch (error) {
    await client.close();
    throw error;
  }
}
