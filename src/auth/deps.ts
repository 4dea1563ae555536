import type { AssertionVerifier } from './assertion';
import type { AuthConfig } from './config';
import type { KeyRing } from './keys';
import type { AuthCollections } from './model';
import type { Sessions } from './session';
import type { CredentialThrottle } from './throttle';
import type { TokenService } from './tokens';

/** The services every /auth route works with, built once by createAuthModule. */
export interface AuthDeps {
  config: AuthConfig;
  c: AuthCollections;
  keys: KeyRing;
  tokens: TokenService;
  sessions: Sessions;
  assertions: AssertionVerifier;
  throttle: CredentialThrottle;
}

/** A single-valued request parameter; repeated parameters are refused (RFC 6749 §3.1). */
export function single(source: unknown, name: string): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw new RepeatedParameter(name);
}

export class RepeatedParameter extends Error {
  constructor(readonly parameter: string) {
    super(`Parameter ${parameter} must be given once`);
  }
}

/** All single-valued string parameters of a form body. */
export function formParams(body: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys((body as Record<string, unknown>) ?? {})) out[key] = single(body, key);
  return out;
}
