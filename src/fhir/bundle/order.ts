import type { FhirMethod } from '../request';
import type { PlannedEntry } from './parse';

/**
 * Transaction processing order (hl7.org/fhir/R4/http.html#trules): DELETE, then POST, then
 * PUT/PATCH, then GET/HEAD; entries keep their Bundle order within a group.
 */
const RANK: Record<FhirMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

export function transactionOrder(entries: readonly PlannedEntry[]): PlannedEntry[] {
  return [...entries].sort((a, b) => RANK[a.method] - RANK[b.method] || a.index - b.index);
}
