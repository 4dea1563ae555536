import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';
import { StoreUnavailableError, TransactionConflictError } from '../port';
import { hasLabel, isServerSelection, isTransient, toPortError, UNKNOWN_COMMIT_RESULT } from './errors';

/** Bounds of the transaction retry loop (MongoDB manual, "Transactions: Drivers API", core API). */
export interface TransactionPolicy {
  /** Runs of the whole transaction on TransientTransactionError / WriteConflict (first run included). */
  maxAttempts: number;
  /** commitTransaction calls on UnknownTransactionCommitResult (first call included). */
  maxCommitAttempts: number;
  /** Base of the randomised exponential back-off between attempts. */
  backoffMs: number;
  /** Retry-After of the 503 answers. */
  retryAfterSeconds: number;
}

export const DEFAULT_TRANSACTION_POLICY: TransactionPolicy = { maxAttempts: 8, maxCommitAttempts: 3, backoffMs: 10, retryAfterSeconds: 5 };

/**
 * Every transaction reads one majority-committed snapshot of the primary and commits with
 * w: majority, so a committed write survives a fail-over and the snapshot isolation that the
 * conditional-create claims rely on holds (a concurrent writer of the same document conflicts).
 */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

/** What the collections observed during one attempt, whatever the work did with the errors. */
export interface AttemptState {
  /** An operation failed with TransientTransactionError / WriteConflict: the server aborted the transaction. */
  transient: boolean;
  /** No server could be selected: retrying now would only wait again. */
  unreachable: boolean;
}

export function noteDriverError(state: AttemptState | undefined, error: unknown): void {
  if (!state) return;
  if (isTransient(error)) state.transient = true;
  if (isServerSelection(error)) state.unreachable = true;
}

async function commit(session: ClientSession, policy: TransactionPolicy): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await session.commitTransaction();
      return;
    } catch (error) {
      // the commit may or may not have been applied; committing again is safe (same transaction)
      if (hasLabel(error, UNKNOWN_COMMIT_RESULT) && !isServerSelection(error) && attempt < policy.maxCommitAttempts) continue;
      if (hasLabel(error, UNKNOWN_COMMIT_RESULT)) {
        throw new StoreUnavailableError(
          'MongoDB did not confirm the commit of the transaction (UnknownTransactionCommitResult); it may or may not be applied. ' +
            'Read the resource, or repeat the request as a conditional one, before writing again',
          policy.retryAfterSeconds,
        );
      }
      throw error;
    }
  }
}

/**
 * The core-API transaction loop with bounded retries: the whole `work` again on a transient
 * error (a write conflict), the commit again on an unknown commit result. `bind` ties the port's
 * session handle to the attempt's driver session and state.
 */
export async function runMongoTransaction<R>(
  client: Pick<MongoClient, 'startSession'>,
  policy: TransactionPolicy,
  bind: (session: ClientSession, state: AttemptState) => () => void,
  work: () => Promise<R>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const session = client.startSession();
    const state: AttemptState = { transient: false, unreachable: false };
    const unbind = bind(session, state);
    try {
      session.startTransaction(TRANSACTION_OPTIONS);
      const result = await work();
      await commit(session, policy);
      return result;
    } catch (error) {
      noteDriverError(state, error);
      if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
      // a TransactionConflictError from the work itself (e.g. a claim taken concurrently) is a conflict too
      const conflicted = (state.transient || error instanceof TransactionConflictError) && !state.unreachable && !(error instanceof StoreUnavailableError);
      if (conflicted && attempt < policy.maxAttempts) {
        await sleep(Math.min(1000, policy.backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random()));
        continue;
      }
      if (conflicted) {
        throw new TransactionConflictError(`the transaction conflicted with concurrent writes ${attempt} times`);
      }
      throw toPortError(error, 'transaction', policy.retryAfterSeconds);
    } finally {
      unbind();
      await session.endSession().catch(() => undefined);
    }
  }
}
