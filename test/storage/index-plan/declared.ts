import { JOB_INDEXES, JOBS_COLLECTION } from '../../../src/bulk';
import { historyIndexSpecs, indexSpecsFor } from '../../../src/fhir/search/api';
import type { IndexSpec } from '../../../src/storage/port';
import { subscriptionIndexSpecs } from '../../../src/subscriptions';

/** The indexes the server declares for a collection (`Type` or `Type_history`); `_id` is implicit. */
export function declaredIndexes(collection: string): IndexSpec[] {
  const subscriptions = subscriptionIndexSpecs(collection);
  if (subscriptions.length > 0) return subscriptions;
  if (collection === JOBS_COLLECTION) return [...JOB_INDEXES];
  return collection.endsWith('_history') ? historyIndexSpecs() : indexSpecsFor(collection);
}

/**
 * Whether a field holds arrays (a multikey index key). Search entries under `idx` are arrays
 * except the one scalar per sortable parameter (`idx.<code>:sort`); `compartments` is an array;
 * document fields (`_id`, `id`, `lastUpdatedMs`, `deleted`, `versionId`) are scalars.
 */
export function isMultikey(field: string): boolean {
  if (field === 'compartments') return true;
  return field.startsWith('idx.') && !field.endsWith(':sort');
}
