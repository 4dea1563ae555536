import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DuplicateKeyError, StoreUnavailableError, TransactionConflictError } from '../port';

/**
 * Driver errors → the port's error classes, so that nothing above storage/ ever sees a driver
 * type. Codes and labels are the server's documented ones:
 * - 11000 DuplicateKey → DuplicateKeyError;
 * - 112 WriteConflict, or the `TransientTransactionError` label → TransactionConflictError
 *   (only after the transaction runner's own retries: see transaction.ts);
 * - server selection, network, closed topology, 50 MaxTimeMSExpired and the driver's
 *   client-side timeout (timeoutMS) → StoreUnavailableError (503 with Retry-After).
 */
export const DUPLICATE_KEY = 11000;
export const WRITE_CONFLICT = 112;
export const MAX_TIME_MS_EXPIRED = 50;
export const NAMESPACE_EXISTS = 48;

export const TRANSIENT_TRANSACTION_ERROR = 'TransientTransactionError';
export const UNKNOWN_COMMIT_RESULT = 'UnknownTransactionCommitResult';

const codeOf = (error: unknown): unknown => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);

export const hasLabel = (error: unknown, label: string): boolean => error instanceof MongoError && error.hasErrorLabel(label);

/** A conflict with a concurrent transaction: the whole transaction may be run again. */
export const isTransient = (error: unknown): boolean => hasLabel(error, TRANSIENT_TRANSACTION_ERROR) || codeOf(error) === WRITE_CONFLICT;

/** No server could be selected within serverSelectionTimeoutMS: retrying at once only waits again. */
export const isServerSelection = (error: unknown): boolean => error instanceof MongoServerSelectionError;

export const isUnreachable = (error: unknown): boolean =>
  error instanceof MongoServerSelectionError ||
  error instanceof MongoNetworkError ||
  error instanceof MongoNotConnectedError ||
  error instanceof MongoTopologyClosedError;

export const isTimeout = (error: unknown): boolean => error instanceof MongoOperationTimeoutError || codeOf(error) === MAX_TIME_MS_EXPIRED;

const isPortError = (error: unknown): boolean =>
  error instanceof DuplicateKeyError || error instanceof TransactionConflictError || error instanceof StoreUnavailableError;

/**
 * The port error for a driver error; other errors (bugs, refused commands) pass through as they
 * are and end as a logged 500. Messages name the failure, never document content.
 */
export function toPortError(error: unknown, context: string, retryAfterSeconds: number): unknown {
  if (isPortError(error)) return error;
  if (codeOf(error) === DUPLICATE_KEY) return new DuplicateKeyError(`${context}: duplicate key`);
  if (isUnreachable(error)) {
    return new StoreUnavailableError(`MongoDB is unreachable (${(error as Error).name}); retry in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
  if (isTimeout(error)) {
    return new StoreUnavailableError(`MongoDB did not answer within its time limit (${(error as Error).name}); retry in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
  if (isTransient(error)) return new TransactionConflictError(`${context}: write conflict with a concurrent transaction`);
  return error;
}

/** Start-up: the deployment is a standalone server, which has no multi-document transactions. */
export class TransactionsUnsupportedError extends Error {
  constructor() {
    super(
      'MongoDB transactions are required but the deployment named by MONGODB_URI does not support them: it is a standalone server. ' +
        'Run MongoDB as a replica set (a single node is enough: start mongod with --replSet rs0 and run rs.initiate() once) ' +
        'or behind mongos, and point MONGODB_URI at it (e.g. mongodb://localhost:27017/telefhir?replicaSet=rs0).',
    );
    this.name = 'TransactionsUnsupportedError';
  }
}
