import type { Filter } from '../../storage/port';
import type { ResourceDocument } from '../resource-document';
import { forbidden } from '../outcome';
import type { AccessContext } from './context';

/**
 * Access checks asked by every interaction (DESIGN.md, "Auth").
 * FIRST CUT (contract only): unrestricted access passes, everything else is refused.
 * The SMART issue replaces the bodies with real scope, compartment and granular checks.
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

/** Throws 403 when `access` grants no permission for `interaction` on `resourceType`. */
export function assertTypeAccess(access: AccessContext, interaction: AccessInteraction, resourceType: string): void {
  if (access.unrestricted) return;
  throw forbidden(`Insufficient scope for ${interaction} on ${resourceType}`);
}

/**
 * Throws 403 (or 404, to avoid leaking existence) when a loaded or to-be-written resource lies
 * outside what `access` grants (patient compartment, granular constraints).
 */
export function assertResourceAccess(
  access: AccessContext,
  interaction: AccessInteraction,
  resourceType: string,
  doc: Pick<ResourceDocument, 'resource' | 'compartments' | 'idx'>,
): void {
  if (access.unrestricted) return;
  void doc;
  throw forbidden(`Insufficient scope for ${interaction} on ${resourceType}`);
}

/** An extra filter ANDed into every search of `resourceType` (compartment, granular scopes); null for none. */
export function searchRestriction(access: AccessContext, resourceType: string): Filter | null {
  if (access.unrestricted) return null;
  void resourceType;
  return { _id: { $in: [] } };
}
