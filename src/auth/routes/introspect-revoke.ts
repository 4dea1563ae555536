import type { Request, Response } from 'express';
import { noteForAudit } from '../audit-note';
import { authenticateClient } from '../client-auth';
import { ADMIN_SCOPE } from '../config';
import { sha256 } from '../crypto';
import { formParams, type AuthDeps } from '../deps';
import { invalidClient, invalidRequest } from '../errors';
import { splitScope } from '../scopes';
import { InvalidToken, type AccessClaims } from '../tokens';
import { bearerClaims } from './bearer';

/**
 * POST /auth/introspect (RFC 7662): callers authenticate as a confidential client or with an
 * admin token; an active access token is described to the admin, to the designated resource
 * servers (AUTH_INTROSPECTION_CLIENTS) and to the client it was issued to; anything else is
 * exactly {"active":false}.
 * POST /auth/revoke (RFC 7009): the access token, its refresh tokens and every token of the
 * same grant are refused afterwards; unknown tokens are answered 200 as the RFC asks.
 */
export async function introspect(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const params = formParams(req.body);
  // who may learn about any token: admins and the designated resource servers; others only about their own
  let mayIntrospect: (tokenClientId: string) => boolean;
  if (req.headers.authorization?.toLowerCase().startsWith('bearer ')) {
    const caller = await bearerClaims(req.headers.authorization, deps).catch(() => undefined);
    if (!caller || !caller.admin) throw invalidClient('Introspection needs client authentication or an admin token');
    mayIntrospect = () => true;
  } else {
    const { client, method } = await authenticateClient(req.headers.authorization, params, deps.c, deps.assertions, deps.throttle.guard(req));
    if (method === 'none') throw invalidClient('Public clients cannot introspect tokens');
    const anyToken = deps.config.introspectionClients.has(client._id) || splitScope(client.scope).includes(ADMIN_SCOPE);
    mayIntrospect = (tokenClientId) => anyToken || tokenClientId === client._id;
  }
  if (!params.token) throw invalidRequest('token is required');
  let claims: AccessClaims;
  try {
    claims = await deps.tokens.verifyAccessToken(params.token);
  } catch (error) {
    if (error instanceof InvalidToken) {
      res.json({ active: false });
      return;
    }
    throw error;
  }
  if (!mayIntrospect(claims.client_id)) {
    // RFC 7662 §2.2: a token the caller may not see is described exactly like an invalid one
    res.json({ active: false });
    return;
  }
  res.json({
    active: true,
    scope: claims.scope,
    client_id: claims.client_id,
    token_type: 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    jti: claims.jti,
    ...(claims.patient ? { patient: claims.patient } : {}),
    ...(claims.encounter ? { encounter: claims.encounter } : {}),
    ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}),
  });
}

export async function revoke(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const params = formParams(req.body);
  const { client } = await authenticateClient(req.headers.authorization, params, deps.c, deps.assertions, deps.throttle.guard(req));
  noteForAudit(res, { clientId: client._id });
  if (!params.token) throw invalidRequest('token is required');
  const until = deps.config.now() + deps.tokens.longestAccessTokenMs();
  const refresh = params.token_type_hint === 'access_token' ? null : await deps.c.refresh.findOne({ _id: sha256(params.token) });
  if (refresh) {
    if (refresh.clientId === client._id) {
      await deps.c.refresh.deleteMany({ gid: refresh.gid });
      await deps.tokens.revokeGrant(refresh.gid, until);
    }
    res.status(200).end();
    return;
  }
  const claims = await deps.tokens.verifyAccessToken(params.token).catch(() => undefined);
  if (claims && claims.client_id === client._id) {
    await deps.tokens.revokeAccessToken(claims);
    await deps.tokens.revokeGrant(claims.gid, until);
    await deps.c.refresh.deleteMany({ gid: claims.gid });
  }
  res.status(200).end();
}
