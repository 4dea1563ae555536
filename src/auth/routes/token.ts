import type { Request, Response } from 'express';
import { noteForAudit } from '../audit-note';
import { authenticateClient, type AuthenticatedClient } from '../client-auth';
import { randomToken, s256, safeEqual, sha256 } from '../crypto';
import { formParams, type AuthDeps } from '../deps';
import { invalidGrant, invalidRequest, invalidScope, OAuthError, unauthorizedClient } from '../errors';
import { grantOf, type GrantContext } from '../model';
import { grantable, isSubset, splitScope } from '../scopes';

/**
 * POST /auth/token (RFC 6749 §4.1.3, §4.4, §6; SMART App Launch; SMART Backend Services).
 * Answers `Cache-Control: no-store` always and `{error, error_description}` on failure.
 */
type Params = Record<string, string | undefined>;

export async function token(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  if (!req.is('application/x-www-form-urlencoded')) throw invalidRequest('The token request must be application/x-www-form-urlencoded');
  const params = formParams(req.body);
  const grantType = params.grant_type;
  if (!grantType) throw invalidRequest('grant_type is required');
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  const auth = await authenticateClient(req.headers.authorization, params, deps.c, deps.assertions, deps.throttle.guard(req));
  noteForAudit(res, { clientId: auth.client._id });
  if (!auth.client.grantTypes.includes(grantType as never)) throw unauthorizedClient(`This client may not use ${grantType}`);
  let body: Record<string, unknown>;
  if (grantType === 'authorization_code') body = await authorizationCode(params, auth, deps);
  else if (grantType === 'refresh_token') body = await refreshToken(params, auth, deps);
  else body = await clientCredentials(params, auth, deps);
  res.status(200).json(body);
}

async function authorizationCode(params: Params, { client }: AuthenticatedClient, deps: AuthDeps) {
  if (!params.code) throw invalidRequest('code is required');
  const doc = await deps.c.codes.findOne({ _id: sha256(params.code) });
  if (!doc || doc.clientId !== client._id) throw invalidGrant('The authorization code is invalid');
  if (doc.used) {
    // a replayed code: whatever it produced is revoked (RFC 6749 §4.1.2)
    await revokeWholeGrant(deps, doc.gid);
    throw invalidGrant('The authorization code was already used');
  }
  const claimed = await deps.c.codes.replaceOne({ _id: doc._id, used: false }, { ...doc, used: true });
  if (claimed.matchedCount !== 1) throw invalidGrant('The authorization code was already used');
  if (doc.expiresAt <= deps.config.now()) throw invalidGrant('The authorization code expired');
  if (params.redirect_uri !== doc.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
  if (!params.code_verifier) throw invalidGrant('code_verifier is required (PKCE)');
  if (!safeEqual(s256(params.code_verifier), doc.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');
  return issue(grantOf(doc), deps, true);
}

async function refreshToken(params: Params, { client }: AuthenticatedClient, deps: AuthDeps) {
  if (!params.refresh_token) throw invalidRequest('refresh_token is required');
  const doc = await deps.c.refresh.findOne({ _id: sha256(params.refresh_token) });
  const now = deps.config.now();
  if (!doc || doc.clientId !== client._id || doc.expiresAt <= now) throw invalidGrant('The refresh token is invalid or expired');
  if (!doc.offline && !(await deps.sessions.alive(doc.sessionId))) throw invalidGrant('The user session of this online refresh token ended');
  if (await deps.c.revoked.findOne({ _id: `g:${doc.gid}` })) throw invalidGrant('The refresh token was revoked');
  if (doc.rotatedAt !== undefined) return replayed(deps, doc.gid);
  const original = splitScope(doc.scope);
  let scope = doc.scope;
  if (params.scope !== undefined) {
    const requested = splitScope(params.scope);
    if (requested.length === 0 || !isSubset(requested, original)) throw invalidScope('The requested scope exceeds the scope originally granted');
    scope = requested.join(' ');
  }
  // rotation: the presented refresh token dies now, whoever wins a race; the loser is a replay
  const claimed = await deps.c.refresh.replaceOne({ _id: doc._id, rotatedAt: { $exists: false } }, { ...doc, rotatedAt: now });
  if (claimed.matchedCount !== 1) return replayed(deps, doc.gid);
  return issue(grantOf(doc), deps, false, scope);
}

/**
 * A rotated refresh token presented again was stolen or leaked (or its client lost a race with
 * itself): nobody can tell the legitimate holder from the attacker, so the whole grant goes —
 * the newer refresh token and every access token (RFC 9700 §4.14.2).
 */
async function replayed(deps: AuthDeps, gid: string): Promise<never> {
  await revokeWholeGrant(deps, gid);
  throw invalidGrant('The refresh token was already used; every token of its grant is now revoked');
}

/** Refuses every access token of the grant (revocation list, bearer cache included) and drops its refresh tokens. */
async function revokeWholeGrant(deps: AuthDeps, gid: string): Promise<void> {
  await deps.tokens.revokeGrant(gid, deps.config.now() + deps.tokens.longestAccessTokenMs());
  await deps.c.refresh.deleteMany({ gid });
}

async function clientCredentials(params: Params, { client, method }: AuthenticatedClient, deps: AuthDeps) {
  if (method === 'none') throw unauthorizedClient('client_credentials requires client authentication');
  const requested = splitScope(params.scope);
  if (requested.length === 0) throw invalidScope('scope is required');
  const scopes = grantable(requested, splitScope(client.scope), new Set(['system'] as const)).filter(
    (s) => !['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access'].includes(s),
  );
  if (scopes.length === 0) throw invalidScope('None of the requested scopes can be granted to this client');
  return issue({ gid: randomToken(18), clientId: client._id, scope: scopes.join(' ') }, deps, false);
}

/**
 * The token response. `accessScope` narrows the access token on refresh while the new refresh
 * token keeps the original grant (RFC 6749 §6).
 */
async function issue(grant: GrantContext, deps: AuthDeps, firstIssue: boolean, accessScope = grant.scope) {
  const scopes = splitScope(grant.scope);
  const { token: accessToken, claims } = deps.tokens.issueAccessToken({ ...grant, scope: accessScope });
  const body: Record<string, unknown> = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: claims.exp - claims.iat,
    scope: accessScope,
  };
  if (grant.patient) body.patient = grant.patient;
  if (grant.encounter) body.encounter = grant.encounter;
  if (grant.userId) {
    body.need_patient_banner = grant.needPatientBanner ?? true;
    body.smart_style_url = deps.config.urls.style;
  }
  const offline = scopes.includes('offline_access');
  if (grant.userId && (offline || scopes.includes('online_access'))) {
    const refresh = randomToken(32);
    const sessionEnd = (await deps.c.sessions.findOne({ _id: grant.sessionId ?? '' }))?.expiresAt ?? deps.config.now();
    await deps.c.refresh.insertOne({
      ...grant,
      _id: sha256(refresh),
      offline,
      expiresAt: offline ? deps.config.now() + deps.config.offlineRefreshSeconds * 1000 : sessionEnd,
    });
    body.refresh_token = refresh;
  }
  if (grant.userId && splitScope(accessScope).includes('openid') && (firstIssue || scopes.includes('openid'))) {
    const user = await deps.c.users.findOne({ _id: grant.userId });
    body.id_token = deps.tokens.issueIdToken({ ...grant, scope: accessScope }, user?.name ?? user?._id);
  }
  return body;
}
