import type { DocumentStore } from '../storage/port';
import type { ThrottleSettings } from './throttle';

export interface AuthLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface AuthOptions {
  store: DocumentStore;
  /** Absolute FHIR base URL without trailing slash, e.g. http://localhost:8080/fhir (the token `aud`). */
  baseUrl: string;
  /** Token and id_token issuer; defaults to the FHIR base (SMART convention). */
  issuer?: string;
  /** Absolute URL of the /auth endpoints; defaults to the origin of baseUrl + /auth. */
  authBaseUrl?: string;
  logger?: AuthLogger;
  /** Bootstrap secret of the `admin` client (client_credentials → telefhir/admin); env ADMIN_CLIENT_SECRET. */
  adminClientSecret?: string;
  accessTokenSeconds?: number;
  codeSeconds?: number;
  offlineRefreshSeconds?: number;
  /** Login session lifetime; online_access refresh tokens die with it. */
  sessionSeconds?: number;
  /** Signing keys older than this are rotated at start or on demand. */
  keyRotationDays?: number;
  /** Verified access tokens kept in memory until they expire (LRU bound; 0 disables); env AUTH_TOKEN_CACHE_SIZE. */
  tokenCacheSize?: number;
  /**
   * How often other instances' revocations are polled from the store (ms); a revoked token is
   * refused everywhere within twice this; env AUTH_REVOCATION_POLL_MS.
   */
  revocationPollMs?: number;
  /** Lifetime of client_credentials (backend services, admin) access tokens; SMART recommends 300 s; env BACKEND_TOKEN_LIFETIME_SECONDS. */
  backendAccessTokenSeconds?: number;
  /**
   * Clients (resource servers) allowed to introspect tokens issued to other clients; any other
   * caller learns only about its own tokens; env AUTH_INTROSPECTION_CLIENTS (comma-separated).
   */
  introspectionClients?: string[];
  /** Throttling of password and client-secret guesses (see throttle.ts); env AUTH_THROTTLE_*. */
  throttle?: Partial<ThrottleSettings>;
  /** Clock, for tests of expiry (epoch ms). */
  now?: () => number;
}

export interface AuthConfig {
  store: DocumentStore;
  baseUrl: string;
  issuer: string;
  authBase: string;
  /** Path of the /auth endpoints below the app root, e.g. `/auth`. */
  authPath: string;
  fhirPath: string;
  issuerPath: string;
  secureCookies: boolean;
  logger: AuthLogger;
  adminClientSecret?: string;
  accessTokenSeconds: number;
  codeSeconds: number;
  offlineRefreshSeconds: number;
  sessionSeconds: number;
  keyRotationMs: number;
  tokenCacheSize: number;
  revocationPollMs: number;
  backendAccessTokenSeconds: number;
  introspectionClients: ReadonlySet<string>;
  throttle: ThrottleSettings;
  now: () => number;
  urls: { authorize: string; token: string; introspect: string; revoke: string; jwks: string; register: string; style: string };
}

const silent: AuthLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const trim = (url: string) => url.replace(/\/+$/, '');

export const ADMIN_SCOPE = 'telefhir/admin';
export const ADMIN_CLIENT_ID = 'admin';

export function resolveConfig(options: AuthOptions): AuthConfig {
  const baseUrl = trim(options.baseUrl);
  const base = new URL(baseUrl);
  const issuer = trim(options.issuer ?? baseUrl);
  const authBase = trim(options.authBaseUrl ?? `${base.origin}/auth`);
  return {
    store: options.store,
    baseUrl,
    issuer,
    authBase,
    authPath: trim(new URL(authBase).pathname) || '/auth',
    fhirPath: trim(base.pathname),
    issuerPath: trim(new URL(issuer).pathname),
    // the cookie lives on the /auth origin: Secure as soon as either public URL is https
    secureCookies: base.protocol === 'https:' || new URL(authBase).protocol === 'https:',
    logger: options.logger ?? silent,
    adminClientSecret: options.adminClientSecret ?? process.env.ADMIN_CLIENT_SECRET,
    accessTokenSeconds: options.accessTokenSeconds ?? 3600,
    codeSeconds: options.codeSeconds ?? 60,
    offlineRefreshSeconds: options.offlineRefreshSeconds ?? 90 * 24 * 3600,
    sessionSeconds: options.sessionSeconds ?? 8 * 3600,
    keyRotationMs: (options.keyRotationDays ?? 30) * 24 * 3600 * 1000,
    tokenCacheSize: integerSetting('AUTH_TOKEN_CACHE_SIZE', options.tokenCacheSize, 10_000, 0, 10_000_000),
    revocationPollMs: integerSetting('AUTH_REVOCATION_POLL_MS', options.revocationPollMs, 1000, 10, 60_000),
    backendAccessTokenSeconds: integerSetting('BACKEND_TOKEN_LIFETIME_SECONDS', options.backendAccessTokenSeconds, 300, 30, 86_400),
    throttle: {
      maxFailures: integerSetting('AUTH_THROTTLE_MAX_FAILURES', options.throttle?.maxFailures, 10, 1, 10_000),
      addressMaxFailures: integerSetting('AUTH_THROTTLE_ADDRESS_MAX_FAILURES', options.throttle?.addressMaxFailures, 100, 1, 1_000_000),
      windowMs: options.throttle?.windowMs ?? integerSetting('AUTH_THROTTLE_WINDOW_SECONDS', undefined, 900, 1, 86_400) * 1000,
      delayMs: integerSetting('AUTH_THROTTLE_DELAY_MS', options.throttle?.delayMs, 250, 0, 10_000),
      trustedProxyHops: integerSetting('AUTH_TRUSTED_PROXY_HOPS', options.throttle?.trustedProxyHops, 0, 0, 10),
    },
    introspectionClients: new Set(options.introspectionClients ?? listSetting(process.env.AUTH_INTROSPECTION_CLIENTS)),
    now: options.now ?? Date.now,
    urls: {
      authorize: `${authBase}/authorize`,
      token: `${authBase}/token`,
      introspect: `${authBase}/introspect`,
      revoke: `${authBase}/revoke`,
      jwks: `${authBase}/jwks`,
      register: `${authBase}/admin/clients`,
      style: `${authBase}/smart-style.json`,
    },
  };
}

/** An integer option, else its environment variable, else the default; out of range is a start-up error. */
function integerSetting(envName: string, option: number | undefined, fallback: number, min: number, max: number): number {
  const raw = option ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${envName} must be an integer from ${min} to ${max}`);
  return value;
}

/** `a, b c` → ['a', 'b', 'c']. */
function listSetting(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((item) => item !== '');
}

/** The longest an access token of this server can live (ms): how long keys and revocations must be kept. */
export function longestAccessTokenMs(config: Pick<AuthConfig, 'accessTokenSeconds' | 'backendAccessTokenSeconds'>): number {
  return Math.max(config.accessTokenSeconds, config.backendAccessTokenSeconds) * 1000;
}
