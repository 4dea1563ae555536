import type { Filter } from '../../storage/port';
import type { ResourceDocument } from '../resource-document';
import { forbidden, notFound } from '../outcome';
import type { AccessContext, Permission, ScopeGrant } from './context';
import { constraintFilter, matchesConstraints } from './granular';

/**
 * Access checks asked by every interaction (DESIGN.md, "Auth"), from the SMART scopes of the token:
 * - the interaction needs a letter (create c, read/vread r, update/patch u, delete d, search s);
 * - `patient/` grants reach the launch patient's compartment only (the Patient itself included);
 * - `user/` grants reach everything for a practitioner or admin user, and the user's own
 *   compartment for a patient user (fhirUser `Patient/x`);
 * - `system/` grants (backend services) are unrestricted by compartment;
 * - granular v2 constraints (`?category=...`) narrow every grant that carries them.
 * A resource outside the allowed set is answered 404 on reads (existence is not disclosed) and
 * 403 on writes; a type without any grant for the interaction is 403.
 */
export type AccessInteraction =
  | 'read'
  | 'vread'
  | 'history'
  | 'search'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'operation';

/** Letters that satisfy an interaction at type level (any one of them). */
const TYPE_LETTERS: Record<AccessInteraction, readonly Permission[]> = {
  read: ['r'],
  vread: ['r'],
  // instance history needs r, type/system history is a search: either letter opens the type
  history: ['r', 's'],
  search: ['s'],
  create: ['c'],
  update: ['u'],
  patch: ['u'],
  delete: ['d'],
  operation: ['c', 'r', 'u', 'd', 's'],
};

/** Letters that let one loaded resource be seen or changed. */
const RESOURCE_LETTERS: Record<AccessInteraction, readonly Permission[]> = {
  ...TYPE_LETTERS,
  history: ['r'],
  // search results (e.g. $lastn) are checked one by one
  search: ['s', 'r'],
};

const READS = new Set<AccessInteraction>(['read', 'vread', 'history', 'search', 'operation']);

/**
 * The server's own security record: a `*` scope does not reach it (only the admin's does, or a
 * grant that names the type), so that no app sees who accessed what by asking for everything.
 */
export const NAMED_SCOPE_ONLY_TYPES: ReadonlySet<string> = new Set(['AuditEvent']);

function applicable(access: AccessContext, resourceType: string, letters: readonly Permission[]): ScopeGrant[] {
  const wildcard = access.admin === true || !NAMED_SCOPE_ONLY_TYPES.has(resourceType);
  return access.grants.filter(
    (g) => ((wildcard && g.resourceType === '*') || g.resourceType === resourceType) && letters.some((l) => g.permissions.has(l)),
  );
}

/** The compartment a grant is limited to, `null` for none, `false` when it can reach nothing. */
function compartmentOf(access: AccessContext, grant: ScopeGrant): string | null | false {
  if (grant.context === 'system') return null;
  if (grant.context === 'patient') return access.patient ? `Patient/${access.patient}` : false;
  // user/: a patient user sees their own compartment, a practitioner or admin what the scope names
  if (access.fhirUser?.startsWith('Patient/')) return access.fhirUser;
  return null;
}

/** Throws 403 when `access` grants no permission for `interaction` on `resourceType`. */
export function assertTypeAccess(access: AccessContext, interaction: AccessInteraction, resourceType: string): void {
  if (!hasTypeAccess(access, interaction, resourceType)) throw forbidden(`Insufficient scope for ${interaction} on ${resourceType}`);
}

/** Whether `access` allows `interaction` on `resourceType` at all (assertTypeAccess without the throw). */
export function hasTypeAccess(access: AccessContext, interaction: AccessInteraction, resourceType: string): boolean {
  return access.unrestricted || applicable(access, resourceType, TYPE_LETTERS[interaction]).length > 0;
}

/**
 * Throws 404 (reads: existence is not disclosed) or 403 (writes) when a loaded or to-be-written
 * resource lies outside what `access` grants (patient compartment, granular constraints).
 */
export function assertResourceAccess(
  access: AccessContext,
  interaction: AccessInteraction,
  resourceType: string,
  doc: Pick<ResourceDocument, 'resource' | 'compartments' | 'idx'>,
): void {
  if (access.unrestricted) return;
  const grants = applicable(access, resourceType, RESOURCE_LETTERS[interaction]);
  const allowed = grants.some((grant) => {
    const compartment = compartmentOf(access, grant);
    if (compartment === false) return false;
    if (compartment !== null && !(doc.compartments ?? []).includes(compartment)) return false;
    return matchesConstraints(grant.constraints, resourceType, doc.idx ?? {});
  });
  if (allowed) return;
  if (grants.length === 0) throw forbidden(`Insufficient scope for ${interaction} on ${resourceType}`);
  const id = doc.resource?.id;
  if (READS.has(interaction)) throw notFound(`Resource ${resourceType}${id ? `/${id}` : ''} is not known`);
  throw forbidden(`The ${resourceType} lies outside what the access token grants`);
}

/** An extra filter ANDed into every search of `resourceType` (compartment, granular scopes); null for none. */
export function searchRestriction(access: AccessContext, resourceType: string): Filter | null {
  if (access.unrestricted) return null;
  const alternatives: Filter[] = [];
  for (const grant of applicable(access, resourceType, ['s'])) {
    const compartment = compartmentOf(access, grant);
    if (compartment === false) continue;
    const parts: Filter[] = [];
    if (compartment !== null) parts.push({ compartments: compartment });
    const granular = constraintFilter(grant.constraints, resourceType);
    if (granular) parts.push(granular);
    if (parts.length === 0) return null; // one grant reaches the whole type
    alternatives.push(parts.length === 1 ? (parts[0] as Filter) : { $and: parts });
  }
  if (alternatives.length === 0) return { _id: { $in: [] } };
  return alternatives.length === 1 ? (alternatives[0] as Filter) : { $or: alternatives };
}


