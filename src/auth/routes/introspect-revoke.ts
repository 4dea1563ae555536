import type { Request, Response } from 'express';
import { noteForAudit } from '../audit-note';
import { authenticateClient } from '../client-auth';
import { sha256 } from '../crypto';
import { formParams, type AuthDeps } from '../deps';
import { invalidClient, invalidRequest } from '../errors';
import { InvalidToken, type AccessClaims } from '../tokens';
import { bearerClaims } from './bearer';

/**
 * POST /auth/introspect (RFC 7662): callers authenticate as a confidential client or with an
 * admin token; an active access token is described, anything else is exactly {"active":false}.
 * POST /auth/revoke (RFC 7009): the access token, its refresh tokens and every token of the
 * same grant are refused afterwards; unknown tokens are answered 200 as the RFC asks.
 */
export async function introspect(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const params = formParams(req.body);
  if (req.headers.authorization?.toLowerCase().startsWith('bearer ')) {
    const caller = await bearerClaims(req.headers.authorization, deps).catch(() => undefined);
    if (!caller || !caller.admin) throw invalidClient('Introspection needs client authentication or an admin token');
  } else {
    const { method } = await authenticateClient(req.headers.authorization, params, deps.c, deps.assertions);
    if (method === 'none') throw invalidClient('Public clients cannot introspect tokens');
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
  const { client } = await authenticateClient(req.headers.authorization, params, deps.c, deps.assertions);
  noteForAudit(res, { clientId: client._id });
  if (!params.token) throw invalidRequest('token is required');
  const until = deps.config.now() + deps.config.accessTokenSeconds * 1000;
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
