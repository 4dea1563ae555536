// The administrator's sign-in. The access token lives in this tab's sessionStorage only (never in
// a cookie, a URL or a log); every API call sends it as a Bearer header, so forms cannot be forged
// from another site (no ambient credential to ride on).

const KEY = 'telefhir.console.token';
const PENDING = 'telefhir.console.pending';
const settings = document.body.dataset;

export const authOn = () => settings.auth === 'on';
export const fhirBase = () => settings.fhirBase;

let discovery;
/** The server's SMART configuration (authorization, token and revocation endpoints). */
export async function smartConfiguration() {
  if (!discovery) {
    const response = await fetch(`${fhirBase()}/.well-known/smart-configuration`, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`SMART discovery answered ${response.status}`);
    discovery = await response.json();
  }
  return discovery;
}

/** The current sign-in {access_token, scope, who, expires_at} or null. */
export function current() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (saved && saved.expires_at > Date.now()) return saved;
  } catch {
    // unreadable: treat as signed out
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export const signedIn = () => !authOn() || current() !== null;

function keep(tokenResponse, who) {
  const scopes = (tokenResponse.scope ?? '').split(/\s+/);
  if (!scopes.includes('telefhir/admin')) throw new Error('This account is not an administrator of this server.');
  const saved = { access_token: tokenResponse.access_token, scope: tokenResponse.scope, who, expires_at: Date.now() + (tokenResponse.expires_in ?? 300) * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(saved));
  return saved;
}

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

/** Step 1 of authorization code + PKCE: off to the server's own sign-in and consent pages. */
export async function startUserSignIn() {
  const { authorization_endpoint: authorize } = await smartConfiguration();
  const verifier = random(32);
  const state = random(16);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(authorize);
  const params = {
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    scope: settings.scope,
    state,
    aud: fhirBase(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.toString());
}

/** Step 2, on /console/callback: the code for a token; the code leaves the address bar at once. */
export async function finishUserSignIn() {
  const query = new URLSearchParams(location.search);
  history.replaceState(null, '', '/#/');
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  if (query.get('error')) throw new Error(query.get('error_description') ?? query.get('error'));
  if (!pending || query.get('state') !== pending.state) throw new Error('This sign-in was not started here or has expired; please sign in again.');
  const { token_endpoint: tokenEndpoint } = await smartConfiguration();
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: query.get('code') ?? '',
    redirect_uri: settings.redirectUri,
    client_id: settings.clientId,
    code_verifier: pending.verifier,
  });
  const response = await fetch(tokenEndpoint, { method: 'POST', credentials: 'omit', body });
  const json = await response.json();
  if (!response.ok) throw new Error(json.error_description ?? 'The sign-in failed');
  return keep(json, json.fhirUser ?? 'administrator');
}

/** The bootstrap route: the `admin` client's secret (ADMIN_CLIENT_SECRET), as with curl. */
export async function signInWithClientSecret(secret) {
  const { token_endpoint: tokenEndpoint } = await smartConfiguration();
  // client_secret_post, not Basic: a refused Basic login answers with a Basic challenge, which
  // would make the browser open its own password dialog
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    credentials: 'omit',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'admin', client_secret: secret, scope: 'telefhir/admin system/*.cruds' }),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error_description ?? 'The secret was not accepted');
  return keep(json, 'admin client');
}

/** Forgets the token here and revokes it at the server. */
export async function signOut() {
  const saved = current();
  sessionStorage.removeItem(KEY);
  if (!saved) return;
  const { revocation_endpoint: revoke } = await smartConfiguration().catch(() => ({}));
  if (revoke) {
    const body = new URLSearchParams({ token: saved.access_token, client_id: settings.clientId });
    // revocable by the client it was issued to: a user sign-in's token (the admin client's own
    // tokens would need its secret, which the console does not keep: they simply expire)
    await fetch(revoke, { method: 'POST', credentials: 'omit', body }).catch(() => undefined);
  }
}
