import type { Bundle } from 'fhir/r4';
import { FhirError, issue } from '../outcome';
import type { FhirResponse } from '../request';

/**
 * The bound on what one batch or transaction may return (BUNDLE_MAX_OUTPUT_RESOURCES): 2 000
 * entries of `GET Patient?_count=1000&_include=*` would otherwise build millions of resources in
 * one response. Resources are counted, not bytes: counting is free, measuring bytes would mean
 * serialising every entry twice, and page sizes and include caps already bound each resource count.
 */
export class OutputBudget {
  private used = 0;

  constructor(readonly max: number) {}

  get exhausted(): boolean {
    return this.used >= this.max;
  }

  /** Counts an entry's response; false when it takes the bundle over the limit. */
  spend(res: FhirResponse): boolean {
    this.used += resourcesIn(res);
    return this.used <= this.max;
  }

  /** The error of a batch entry not (or no longer) answered because the limit was reached. */
  batchError(): FhirError {
    return new FhirError(400, [
      issue(
        'error',
        'too-costly',
        `Not processed: the batch output limit of ${this.max} resources (BUNDLE_MAX_OUTPUT_RESOURCES) was reached by earlier entries. ` +
          'Send this entry again in another batch, or ask for less (smaller _count, fewer _include).',
      ),
    ]);
  }

  /** The error that fails (and rolls back) a whole transaction whose response would exceed the limit. */
  transactionError(): FhirError {
    return new FhirError(400, [
      issue(
        'error',
        'too-costly',
        `The transaction response would exceed ${this.max} resources (BUNDLE_MAX_OUTPUT_RESOURCES); nothing was written. ` +
          'Split the transaction, or ask for less (smaller _count, fewer _include, Prefer: return=minimal).',
      ),
    ]);
  }
}

function resourcesIn(res: FhirResponse): number {
  const body = res.body;
  if (!body) return 0;
  if (body.resourceType === 'Bundle') return Math.max(1, (body as Bundle).entry?.length ?? 0);
  return 1;
}

/**
 * Lets every other client run between two entries: an `await` on a store call that is already
 * resolved only yields to microtasks, so without this a long bundle holds the event loop.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
