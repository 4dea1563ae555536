import type { Bundle, CapabilityStatementRestResourceSearchParam, Resource } from 'fhir/r4';
import type { FhirContext } from '../request';
import type { ResourceDocument } from '../resource-document';

/**
 * The search module's public surface, used by interactions and operations.
 * FIRST CUT (contract only): the search issue replaces these bodies with the real engine.
 */

/** Index entries and patient compartments of a resource, computed at write time. */
export function indexResource(resource: Resource): Pick<ResourceDocument, 'idx' | 'compartments'> {
  void resource;
  return { idx: {}, compartments: [] };
}

export interface SearchInput {
  /** Undefined for system-level search (`GET [base]?_type=...`). */
  resourceType?: string;
  query: Array<[string, string]>;
  /** Compartment search `Patient/1/Observation`. */
  compartment?: { type: string; id: string };
  /** `Prefer: handling=lenient` */
  lenient: boolean;
}

/** Runs a search and returns the searchset Bundle with paging links. */
export async function searchResources(input: SearchInput, ctx: FhirContext): Promise<Bundle> {
  void input;
  void ctx;
  throw new Error('search not implemented yet');
}

/**
 * Current (non-deleted) documents of `resourceType` matching `query` — for conditional
 * create/update/delete/patch and conditional references. Returns at most `limit` documents.
 */
export async function findMatches(
  resourceType: string,
  query: Array<[string, string]>,
  ctx: FhirContext,
  limit = 2,
): Promise<ResourceDocument[]> {
  void resourceType;
  void query;
  void ctx;
  void limit;
  throw new Error('search not implemented yet');
}

/**
 * The search parameters supported on `resourceType`, as listed in the CapabilityStatement
 * (name, definition canonical, type, documentation). Added by the core for capabilities.
 */
export function searchParamsFor(resourceType: string): CapabilityStatementRestResourceSearchParam[] {
  void resourceType;
  return [];
}
