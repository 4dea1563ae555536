import { DuplicateKeyError, StoreUnavailableError, TransactionConflictError } from '../storage/port';
import { FhirError, issue } from './outcome';

/**
 * The FHIR answer to a storage port error (the adapters map driver errors to these):
 * - StoreUnavailableError → 503 with Retry-After (store unreachable or too slow; retry later);
 * - TransactionConflictError → 409 (concurrent writes still conflicted after the store's retries);
 * - DuplicateKeyError → 409 (a unique key taken concurrently).
 * Anything else is not a store condition: undefined (the caller decides, usually a logged 500).
 */
export function fhirErrorOfStore(error: unknown): FhirError | undefined {
  if (error instanceof StoreUnavailableError) {
    return new FhirError(503, [issue('error', 'transient', `The database is unavailable: ${error.message}`)], {
      'Retry-After': String(error.retryAfterSeconds),
    });
  }
  if (error instanceof TransactionConflictError || error instanceof DuplicateKeyError) {
    return new FhirError(409, [issue('error', 'conflict', 'A concurrent request changed the same data; retry the request')]);
  }
  return undefined;
}
