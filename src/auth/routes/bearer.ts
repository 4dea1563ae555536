import { FhirError, issue } from '../../fhir/outcome';
import type { AccessContext } from '../../fhir/access/context';
import type { AuthDeps } from '../deps';
import { OAuthError } from '../errors';
import { accessContextOf, InvalidToken, type AccessClaims } from '../tokens';

/** The access of claims served by the verified-token cache (frozen, shared), computed once; dies with the entry. */
const contexts = new WeakMap<AccessClaims, AccessContext>();

/** The access a Bearer header grants; throws InvalidToken when there is none. */
export async function bearerClaims(header: string | undefined, deps: AuthDeps): Promise<AccessContext> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header ?? '');
  if (!match) throw new InvalidToken(header ? 'The Authorization header is not a Bearer token' : 'An access token is required');
  const claims = await deps.tokens.verifyAccessToken(match[1] as string);
  let access = contexts.get(claims);
  if (!access) {
    access = accessContextOf(claims, deps.config.baseUrl);
    Object.freeze(access.grants);
    contexts.set(claims, Object.freeze(access));
  }
  return access;
}

/** For the FHIR API: 401 OperationOutcome with a Bearer challenge (RFC 6750 §3). */
export async function resolveAccess(header: string | undefined, deps: AuthDeps): Promise<AccessContext> {
  try {
    return await bearerClaims(header, deps);
  } catch (error) {
    if (!(error instanceof InvalidToken)) throw error;
    const description = error.message.replace(/"/g, "'");
    // RFC 6750 §3.1: a request with no credentials at all gets the bare challenge, no error code
    const challenge = header
      ? `Bearer realm="${deps.config.baseUrl}", error="invalid_token", error_description="${description}"`
      : `Bearer realm="${deps.config.baseUrl}"`;
    throw new FhirError(401, [issue('error', 'login', `${error.message}. ${howToGetAToken(deps)}`)], { 'WWW-Authenticate': challenge });
  }
}

/** Public URLs only (the same as in SMART discovery): where a client gets a token. */
function howToGetAToken(deps: AuthDeps): string {
  const { urls, baseUrl } = deps.config;
  return `Get an access token from the token endpoint ${urls.token} (e.g. client_credentials for a backend or the admin client) or through SMART App Launch; see ${baseUrl}/.well-known/smart-configuration`;
}

/** For /auth JSON APIs: an OAuth-shaped 401/403. */
export async function requireBearer(header: string | undefined, deps: AuthDeps, allow: (a: AccessContext) => boolean): Promise<AccessContext> {
  let access: AccessContext;
  try {
    access = await bearerClaims(header, deps);
  } catch (error) {
    if (error instanceof InvalidToken) throw new OAuthError('invalid_token', error.message);
    throw error;
  }
  if (!allow(access)) throw new OAuthError('insufficient_scope', 'The access token does not allow this');
  return access;
}
