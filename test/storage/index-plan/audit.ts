import type { IndexSpec } from '../../../src/storage/port';
import { declaredIndexes, isMultikey } from './declared';
import { check, type Verdict } from './plan';
import type { Recorded } from './recording-store';

export interface Finding {
  query: Recorded;
  verdict: Verdict;
}

/** A one-line description of a query for failure messages. */
export function describe(q: Recorded): string {
  return `${q.request} → ${q.op} ${q.collection} ${JSON.stringify(q.filter)}${q.sort ? ` sort ${JSON.stringify(q.sort)}` : ''}${q.limit ? ` limit ${q.limit}` : ''}`;
}

/** Checks every recorded query against the declared indexes (or `indexesOf`, to remove one). */
export function audit(queries: Recorded[], indexesOf: (collection: string) => IndexSpec[] = declaredIndexes): Finding[] {
  return queries.map((query) => ({ query, verdict: check(query, indexesOf(query.collection), isMultikey) }));
}
