import { Query } from 'mingo';
import type { Resource } from 'fhir/r4';
import { UNRESTRICTED } from '../fhir/access/context';
import { searchRestriction } from '../fhir/access/enforce';
import { grantsOf } from '../fhir/access/scopes';
import type { AccessContext } from '../fhir/access/context';
import { isResourceType } from '../fhir/definitions/resource-types';
import { badRequest } from '../fhir/outcome';
import type { FhirContext } from '../fhir/request';
import { indexResource } from '../fhir/search/api';
import { compileCriteria } from '../fhir/search/criteria';
import type { Filter } from '../storage/port';
import type { StoredAccess } from './model';

/**
 * A subscription's criteria, compiled ONCE with the search compiler into the same filter
 * document a search would send to the store, then evaluated in memory (mingo, MongoDB's query
 * language) against the index entries of each written resource. So `criteria` means exactly
 * what the same search means. Chained and _has parameters would need store queries per write:
 * they are refused.
 */
export interface CompiledCriteria {
  resourceType: string;
  filter: Filter;
  query: Query;
  /** One equality/$in clause of the filter, used to index subscriptions (registry-index.ts). */
  anchor?: { field: string; values: string[] };
}

const RESULT_PARAMS = new Set(['_sort', '_count', '_include', '_revinclude', '_summary', '_elements', '_total', '_contained', '_containedType', '_page', '_format', '_pretty']);

/** `Observation?code=x&patient=Patient/1` → type and pairs; 400 on anything a search would refuse. */
export function parseCriteria(criteria: string): { resourceType: string; pairs: Array<[string, string]> } {
  const text = criteria.trim();
  const q = text.indexOf('?');
  const resourceType = q < 0 ? text : text.slice(0, q);
  if (!isResourceType(resourceType)) throw badRequest(`Subscription criteria must start with a resource type, not '${resourceType}'`, ['Subscription.criteria']);
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of new URLSearchParams(q < 0 ? '' : text.slice(q + 1))) {
    if (name.includes('.') || name.startsWith('_has')) throw badRequest(`Subscription criteria cannot use chained or _has parameters ('${name}')`, ['Subscription.criteria']);
    if (RESULT_PARAMS.has(name.split(':')[0] as string)) throw badRequest(`Subscription criteria cannot use result parameter '${name}'`, ['Subscription.criteria']);
    pairs.push([name, value]);
  }
  return { resourceType, pairs };
}

export function accessOf(stored: StoredAccess): AccessContext {
  if (stored.unrestricted) return UNRESTRICTED;
  return { ...stored, unrestricted: false, grants: grantsOf(stored.scope) };
}

export function storedAccessOf(access: AccessContext): StoredAccess {
  if (access.unrestricted) return { unrestricted: true };
  const out: StoredAccess = { unrestricted: false };
  if (access.scope !== undefined) out.scope = access.scope;
  if (access.patient !== undefined) out.patient = access.patient;
  if (access.fhirUser !== undefined) out.fhirUser = access.fhirUser;
  if (access.clientId !== undefined) out.clientId = access.clientId;
  return out;
}

/**
 * Compiles `type?query` for a subscriber: the subscriber's own search restriction (patient
 * compartment, granular scopes) is ANDed in, so a notification never names a resource the
 * subscriber could not find by searching.
 */
export async function compileSubscriptionCriteria(ctx: FhirContext, resourceType: string, query: string, access: StoredAccess): Promise<CompiledCriteria> {
  const { pairs } = parseCriteria(query ? `${resourceType}?${query}` : resourceType);
  const compiled = await compileCriteria(resourceType, pairs, { ...ctx, access: UNRESTRICTED, session: undefined }, false);
  const restriction = searchRestriction(accessOf(access), resourceType);
  const parts = [compiled.filter, restriction ?? {}].filter((f) => Object.keys(f).length > 0);
  const filter: Filter = parts.length === 0 ? {} : parts.length === 1 ? (parts[0] as Filter) : { $and: parts };
  const anchor = anchorOf(filter);
  return { resourceType, filter, query: new Query(filter), ...(anchor ? { anchor } : {}) };
}

/** The first top-level equality or $in of plain strings on an indexed field. */
function anchorOf(filter: Filter): CompiledCriteria['anchor'] {
  const clauses = Array.isArray(filter.$and) ? (filter.$and as Filter[]) : [filter];
  for (const clause of clauses) {
    const keys = Object.keys(clause);
    if (keys.length !== 1) continue;
    const field = keys[0] as string;
    if (field.startsWith('$')) continue;
    const value = clause[field];
    if (typeof value === 'string') return { field, values: [value] };
    if (value && typeof value === 'object' && Object.keys(value).length === 1) {
      const list = (value as { $in?: unknown }).$in;
      if (Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'string')) return { field, values: list as string[] };
    }
  }
  return undefined;
}

/** The document a search would see for `resource` (index entries computed as at write time). */
export interface MatchDocument {
  _id: string;
  deleted: false;
  lastUpdatedMs: number;
  idx: Record<string, unknown>;
  compartments: string[];
  resource: Resource;
}

/** `index`: the entries the write already computed (WriteEvent.afterIndex), when given. */
export function matchDocumentOf(resource: Resource, index?: { idx: Record<string, unknown>; compartments: string[] }): MatchDocument {
  const { idx, compartments } = index ?? indexResource(resource);
  const at = resource.meta?.lastUpdated ? Date.parse(resource.meta.lastUpdated) : Date.now();
  return { _id: resource.id as string, deleted: false, lastUpdatedMs: at, idx, compartments, resource };
}

/** Values of a dotted field of the match document (scalars and arrays alike). */
export function valuesAt(doc: MatchDocument, field: string): unknown[] {
  let current: unknown = doc;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return [];
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined) return [];
  return Array.isArray(current) ? current : [current];
}
