import type { AccessContext, Permission, ScopeGrant } from '../fhir/access/context';

/**
 * The caller's access, kept with the job so that the export (run later, maybe by another
 * instance) contains exactly what the kick-off token may read. Never the token itself.
 */
export interface StoredAccess {
  unrestricted: boolean;
  clientId?: string;
  fhirUser?: string;
  patient?: string;
  grants: Array<{ context: ScopeGrant['context']; resourceType: string; permissions: Permission[]; constraints?: Array<[string, string]> }>;
}

export function storeAccess(access: AccessContext): StoredAccess {
  const stored: StoredAccess = {
    unrestricted: access.unrestricted,
    grants: access.grants.map((g) => ({
      context: g.context,
      resourceType: g.resourceType,
      permissions: [...g.permissions],
      ...(g.constraints ? { constraints: g.constraints.map(([n, v]) => [n, v] as [string, string]) } : {}),
    })),
  };
  if (access.clientId !== undefined) stored.clientId = access.clientId;
  if (access.fhirUser !== undefined) stored.fhirUser = access.fhirUser;
  if (access.patient !== undefined) stored.patient = access.patient;
  return stored;
}

export function restoreAccess(stored: StoredAccess): AccessContext {
  const access: AccessContext = {
    unrestricted: stored.unrestricted,
    grants: stored.grants.map((g) => ({
      context: g.context,
      resourceType: g.resourceType,
      permissions: new Set(g.permissions),
      ...(g.constraints ? { constraints: g.constraints } : {}),
    })),
  };
  if (stored.clientId !== undefined) access.clientId = stored.clientId;
  if (stored.fhirUser !== undefined) access.fhirUser = stored.fhirUser;
  if (stored.patient !== undefined) access.patient = stored.patient;
  return access;
}

/** Who owns a job: the client of the token, or `anonymous` when authorization is off. */
export const clientKeyOf = (access: AccessContext): string => access.clientId ?? (access.unrestricted ? 'anonymous' : `subject:${access.subject ?? ''}`);

/**
 * Whether `access` may poll, cancel and download the job: the same client when the export was
 * asked with a token (Bulk Data IG: requiresAccessToken), anyone when authorization is off.
 */
export function mayUseJob(access: AccessContext, job: { clientKey: string; requiresAccessToken: boolean }): boolean {
  if (!job.requiresAccessToken) return true;
  return clientKeyOf(access) === job.clientKey;
}
