import { ASSERTION_TYPE, type AssertionVerifier } from './assertion';
import { verifySecret } from './crypto';
import { invalidClient, invalidRequest, OAuthError } from './errors';
import type { AuthCollections, ClientDoc } from './model';
import { AttemptGuard } from './throttle';

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface AuthenticatedClient {
  client: ClientDoc;
  method: ClientAuthMethod;
}

/** An invalid_client error; with Basic auth it carries the challenge RFC 6749 §5.2 asks for. */
export class BasicChallenge extends OAuthError {}

/**
 * Token-endpoint client authentication (RFC 6749 §2.3, RFC 7523): exactly one method per
 * request; confidential clients must use theirs; public clients only name themselves.
 */
export async function authenticateClient(
  authorization: string | undefined,
  body: Record<string, string | undefined>,
  collections: AuthCollections,
  assertions: AssertionVerifier,
  guard: AttemptGuard,
): Promise<AuthenticatedClient> {
  const basic = authorization?.toLowerCase().startsWith('basic ') ? parseBasic(authorization) : undefined;
  const methods = [basic !== undefined, body.client_secret !== undefined, body.client_assertion !== undefined].filter(Boolean).length;
  if (methods > 1) throw invalidRequest('Use exactly one client authentication method');

  if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) {
    if (body.client_assertion_type !== ASSERTION_TYPE) throw invalidClient(`client_assertion_type must be ${ASSERTION_TYPE}`);
    if (!body.client_assertion) throw invalidClient('client_assertion is missing');
    const client = await assertions.verify(body.client_assertion, body.client_id);
    if (client.type !== 'backend' && client.type !== 'confidential-asymmetric') throw invalidClient('This client does not authenticate with private_key_jwt');
    return { client, method: 'private_key_jwt' };
  }
  if (basic !== undefined) {
    if (body.client_id !== undefined && body.client_id !== basic.id) throw invalidRequest('client_id does not match the Authorization header');
    return { client: await checkSecret(basic.id, basic.secret, collections, guard, true), method: 'client_secret_basic' };
  }
  if (body.client_secret !== undefined) {
    if (!body.client_id) throw invalidClient('client_id is missing');
    return { client: await checkSecret(body.client_id, body.client_secret, collections, guard, false), method: 'client_secret_post' };
  }
  if (!body.client_id) throw invalidClient('Client authentication is missing');
  const client = await collections.clients.findOne({ _id: body.client_id });
  if (!client) throw invalidClient('Unknown client');
  if (client.type !== 'public') throw invalidClient('This confidential client must authenticate');
  return { client, method: 'none' };
}

async function checkSecret(id: string, secret: string, collections: AuthCollections, guard: AttemptGuard, basic: boolean): Promise<ClientDoc> {
  // guesses are throttled per client id (known or not) and per address before anything is checked
  const key = AttemptGuard.clientKey(id);
  await guard.before(key);
  const client = await collections.clients.findOne({ _id: id });
  // verifySecret hashes even without a stored hash, so unknown clients answer as slowly
  const valid = await verifySecret(secret, client?.type === 'confidential-symmetric' ? client.secretHash : undefined);
  if (valid && client) await guard.succeeded(key);
  else await guard.failed(key);
  if (!client || !valid) {
    throw basic ? new BasicChallenge('invalid_client', 'Client authentication failed') : invalidClient('Client authentication failed');
  }
  return client;
}

function parseBasic(header: string): { id: string; secret: string } {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new BasicChallenge('invalid_client', 'Malformed Basic credentials');
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    throw new BasicChallenge('invalid_client', 'Malformed Basic credentials');
  }
}
