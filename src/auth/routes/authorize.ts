import type { Request, Response } from 'express';
import { randomToken } from '../crypto';
import { RepeatedParameter, single, type AuthDeps } from '../deps';
import type { ClientDoc, LaunchDoc, PendingDoc } from '../model';
import { errorPage } from '../pages/html';
import { grantable, splitScope } from '../scopes';

/**
 * GET and POST /auth/authorize (SMART App Launch 2.x, RFC 6749 §4.1, RFC 7636), as a pipeline
 * of small checks. Until client and redirect_uri are proven, and when `aud` is not this
 * server, the user sees an error page and nothing is redirected; later errors go back to the
 * app as `error` + `state`. A valid request becomes a pending request, continued by the
 * login, patient picker and consent pages (interaction.ts).
 */
const PENDING_SECONDS = 30 * 60;
const CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

class PageError extends Error {}
class RedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

export async function authorize(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const source: unknown = req.method === 'POST' ? req.body : req.query;
  let client: ClientDoc;
  let redirectUri: string;
  try {
    client = await checkClient(deps, single(source, 'client_id'));
    redirectUri = checkRedirectUri(client, single(source, 'redirect_uri'));
    checkAudience(deps, single(source, 'aud'));
  } catch (error) {
    if (error instanceof PageError || error instanceof RepeatedParameter) {
      res.status(400).type('html').send(errorPage('Cannot start the sign-in', error.message));
      return;
    }
    throw error;
  }
  let state: string | undefined;
  try {
    state = single(source, 'state');
    const pending = await checkRequest(deps, client, redirectUri, source, state);
    const session = await deps.sessions.ensure(req, res);
    await deps.c.pending.insertOne({ ...pending, sid: session._id });
    res.redirect(303, `${deps.config.authPath}/interaction/${pending._id}`);
  } catch (error) {
    if (error instanceof RedirectError || error instanceof RepeatedParameter) {
      const [code, description] = error instanceof RedirectError ? [error.error, error.description] : ['invalid_request', error.message];
      res.redirect(303, redirectWith(redirectUri, { error: code, error_description: description, state }));
      return;
    }
    throw error;
  }
}

async function checkClient(deps: AuthDeps, clientId: string | undefined): Promise<ClientDoc> {
  if (!clientId) throw new PageError('The app did not say who it is (client_id is missing).');
  const client = await deps.c.clients.findOne({ _id: clientId });
  if (!client || !client.grantTypes.includes('authorization_code')) throw new PageError('This app is not registered with this server.');
  return client;
}

function checkRedirectUri(client: ClientDoc, redirectUri: string | undefined): string {
  if (redirectUri === undefined) {
    if (client.redirectUris.length === 1) return client.redirectUris[0] as string;
    throw new PageError('The app did not say where to return (redirect_uri is missing).');
  }
  // exact string match, no normalisation (RFC 6749 §3.1.2.3, OAuth security BCP)
  if (!client.redirectUris.includes(redirectUri)) throw new PageError('The return address (redirect_uri) is not registered for this app.');
  return redirectUri;
}

function checkAudience(deps: AuthDeps, aud: string | undefined): void {
  if (aud !== deps.config.baseUrl) {
    throw new PageError(`The app asked for access to ${aud ? `"${aud}"` : 'an unnamed server'}, which is not this FHIR server.`);
  }
}

async function checkRequest(
  deps: AuthDeps,
  client: ClientDoc,
  redirectUri: string,
  source: unknown,
  state: string | undefined,
): Promise<Omit<PendingDoc, 'sid'>> {
  if (single(source, 'response_type') !== 'code') throw new RedirectError('unsupported_response_type', 'response_type must be code');
  if (!state) throw new RedirectError('invalid_request', 'state is required');
  const method = single(source, 'code_challenge_method');
  const challenge = single(source, 'code_challenge');
  if (method !== 'S256') throw new RedirectError('invalid_request', 'PKCE is required with code_challenge_method S256');
  if (!challenge || !CHALLENGE.test(challenge)) throw new RedirectError('invalid_request', 'code_challenge is missing or malformed');

  const launch = await checkLaunch(deps, client, single(source, 'launch'));
  const requested = splitScope(single(source, 'scope'));
  if (requested.length === 0) throw new RedirectError('invalid_scope', 'scope is required');
  let scopes = grantable(requested, splitScope(client.scope), new Set(['patient', 'user'] as const));
  if (!launch) scopes = scopes.filter((s) => s !== 'launch');
  if (scopes.length === 0) throw new RedirectError('invalid_scope', 'None of the requested scopes can be granted to this app');
  const nonce = single(source, 'nonce');
  return {
    _id: randomToken(24),
    clientId: client._id,
    redirectUri,
    state,
    scope: scopes.join(' '),
    codeChallenge: challenge,
    ...(nonce ? { nonce } : {}),
    ...(launch ? { launch: launch._id, needPatientBanner: launch.needPatientBanner } : {}),
    ...(launch?.patient ? { patient: launch.patient, patientChosen: true } : {}),
    ...(launch?.encounter ? { encounter: launch.encounter } : {}),
    expiresAt: deps.config.now() + PENDING_SECONDS * 1000,
  };
}

async function checkLaunch(deps: AuthDeps, client: ClientDoc, launch: string | undefined): Promise<LaunchDoc | undefined> {
  if (launch === undefined) return undefined;
  const doc = await deps.c.launches.findOne({ _id: launch });
  if (!doc || doc.expiresAt <= deps.config.now() || (doc.clientId !== undefined && doc.clientId !== client._id)) {
    throw new RedirectError('invalid_request', 'The launch context is unknown or expired');
  }
  return doc;
}
