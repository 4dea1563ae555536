/**
 * What the FHIR layer knows of the caller: never a token, only what it grants.
 * The auth layer builds it (src/auth); the FHIR layer enforces it (src/fhir/access).
 */

/** SMART v2 permission letters: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface ScopeGrant {
  /** `patient/` restricts to the launch patient's compartment; `user/` to the user; `system/` is unrestricted. */
  context: 'patient' | 'user' | 'system';
  /** A resource type or `*`. */
  resourceType: string;
  permissions: ReadonlySet<Permission>;
  /** Granular scope constraints (SMART v2 `?category=...`), as search parameter pairs. */
  constraints?: ReadonlyArray<readonly [name: string, value: string]>;
}

export interface AccessContext {
  /** True when authorization is switched off (AUTH=off) or for internal server work. */
  unrestricted: boolean;
  clientId?: string;
  /** The token subject (user id or client id for backend services). */
  subject?: string;
  /** e.g. `Practitioner/123` or `Patient/456`. */
  fhirUser?: string;
  /** The launch patient id, when a patient context was granted. */
  patient?: string;
  encounter?: string;
  /** The granted scope string, as issued. */
  scope?: string;
  grants: ScopeGrant[];
  /** True when the token carries the server's admin scope. */
  admin?: boolean;
}

/** The access of the server itself, or of every caller when AUTH=off. */
export const UNRESTRICTED: AccessContext = Object.freeze({ unrestricted: true, grants: [] }) as AccessContext;
