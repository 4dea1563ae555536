import type { Router } from 'express';
import type { CapabilityStatementRestSecurity } from 'fhir/r4';
import type { AccessContext } from '../fhir/access/context';
import type { AdminBootstrap } from './admin-bootstrap';
import type { BuiltInClient } from './model';

export type { BuiltInClient } from './model';

/**
 * What the HTTP layer needs from the SMART authorization server.
 * The HTTP layer mounts `router` at the application root (it serves /fhir/.well-known/smart-configuration,
 * /.well-known/openid-configuration, /auth/*) and calls `resolveAccess` before every FHIR interaction.
 */
export interface AuthModule {
  /** Stops its background work (revocation polling, purge of expired entries) before the store closes. */
  stop?(): void;
  router: Router;
  /**
   * Turns the Authorization header into what the token grants. Throws a FhirError 401 with a
   * `WWW-Authenticate: Bearer ...` header when the token is missing, invalid, expired or revoked.
   */
  resolveAccess(authorizationHeader: string | undefined): Promise<AccessContext>;
  /** The CapabilityStatement.rest.security block (SMART service, oauth-uris extension). */
  capabilitySecurity(): CapabilityStatementRestSecurity;
  /** How the `admin` client's secret was set up at this start (a generated one is printed once by main). */
  adminBootstrap?: AdminBootstrap;
  /** Absolute URL of the token endpoint. */
  tokenEndpoint?: string;
  /** The route of one of its paths for request logs (ids of pending requests masked); undefined when not its path. */
  logRoute?(path: string): string | undefined;
  /**
   * Registers (or updates) a public client that ships with the server, such as the web console:
   * authorization code + PKCE only, no secret.
   */
  ensurePublicClient?(client: BuiltInClient): Promise<void>;
}
