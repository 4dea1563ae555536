import type { Bundle, CapabilityStatementRestResourceSearchParam, Resource } from 'fhir/r4';
import type { FhirContext } from '../request';
import type { ResourceDocument } from '../resource-document';
import { capabilitySearchParams } from './capability';
import { indexResource as computeIndex } from './indexer';
import { findDocuments, runSearch } from './run';
import type { SearchInput } from './input';

export type { SearchInput } from './input';

/**
 * The search module's public surface, used by interactions and operations
 * (hl7.org/fhir/R4/search.html). See the README, "Search", for what is supported.
 */

/** Index entries and patient compartments of a resource, computed at write time. */
export function indexResource(resource: Resource): Pick<ResourceDocument, 'idx' | 'compartments'> {
  return computeIndex(resource);
}

/** Runs a search and returns the searchset Bundle with paging links. */
export async function searchResources(input: SearchInput, ctx: FhirContext): Promise<Bundle> {
  return runSearch(input, ctx);
}

/**
 * Current (non-deleted) documents of `resourceType` matching `query` — for conditional
 * create/update/delete/patch and conditional references. Returns at most `limit` documents.
 * The caller's search restriction applies (a patient-scoped token never matches other data);
 * result parameters (_sort, _count, ...) in `query` are ignored.
 */
export async function findMatches(
  resourceType: string,
  query: Array<[string, string]>,
  ctx: FhirContext,
  limit = 2,
): Promise<ResourceDocument[]> {
  return findDocuments(resourceType, query, ctx, limit);
}

/**
 * The search parameters supported on `resourceType`, as listed in the CapabilityStatement
 * (name, definition canonical, type, documentation). Added by the core for capabilities.
 */
export function searchParamsFor(resourceType: string): CapabilityStatementRestResourceSearchParam[] {
  return capabilitySearchParams(resourceType);
}

export { ensureHistoryIndexes, ensureSearchIndexes, ensureStartupSearchIndexes, historyIndexSpecs, indexSpecsFor } from './indexes';
