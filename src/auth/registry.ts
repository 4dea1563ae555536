import { DuplicateKeyError } from '../storage/port';
import { ADMIN_CLIENT_ID, ADMIN_SCOPE } from './config';
import { hashSecret, randomToken, verifySecret } from './crypto';
import { invalidRequest, OAuthError } from './errors';
import type { AuthCollections, BuiltInClient, ClientDoc, ClientType, GrantType, UserDoc, UserRole } from './model';

/** Registration of clients and users, shared by the admin REST API and the CLI. */

const CLIENT_TYPES: readonly ClientType[] = ['public', 'confidential-symmetric', 'confidential-asymmetric', 'backend'];
const USER_ROLES: readonly UserRole[] = ['practitioner', 'patient', 'admin'];
const ID = /^[A-Za-z0-9._~-]{1,128}$/;

export const DEFAULT_APP_SCOPE =
  'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access patient/*.cruds user/*.cruds';
export const DEFAULT_BACKEND_SCOPE = 'system/*.cruds';

export interface ClientInput {
  client_id?: string;
  client_name?: string;
  type?: string;
  client_secret?: string;
  redirect_uris?: unknown;
  launch_url?: string;
  scope?: string;
  jwks?: unknown;
  jwks_uri?: string;
}

export interface ClientView {
  client_id: string;
  client_name: string;
  type: ClientType;
  redirect_uris: string[];
  launch_url?: string;
  scope: string;
  grant_types: GrantType[];
  token_endpoint_auth_method: string;
  jwks_uri?: string;
  jwks?: { keys: Array<Record<string, unknown>> };
  client_secret?: string;
}

const isUrl = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '';
  } catch {
    return false;
  }
};

export function clientView(client: ClientDoc): ClientView {
  const method = client.type === 'public' ? 'none' : client.type === 'confidential-symmetric' ? 'client_secret_basic' : 'private_key_jwt';
  return {
    client_id: client._id,
    client_name: client.name,
    type: client.type,
    redirect_uris: client.redirectUris,
    ...(client.launchUrl ? { launch_url: client.launchUrl } : {}),
    scope: client.scope,
    grant_types: client.grantTypes,
    token_endpoint_auth_method: method,
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...(client.jwks ? { jwks: client.jwks } : {}),
  };
}

/** Validates and stores a new client; the generated secret is returned once, never stored in clear. */
export async function registerClient(c: AuthCollections, input: ClientInput, now: Date): Promise<ClientView> {
  const type = input.type as ClientType;
  if (!CLIENT_TYPES.includes(type)) throw invalidRequest(`type must be one of ${CLIENT_TYPES.join(', ')}`);
  const id = input.client_id ?? randomToken(12);
  if (!ID.test(id)) throw invalidRequest('client_id may use letters, digits and . _ ~ - only');
  const redirectUris = input.redirect_uris ?? [];
  if (!Array.isArray(redirectUris) || !redirectUris.every(isUrl)) throw invalidRequest('redirect_uris must be absolute http(s) URLs');
  if (type !== 'backend' && redirectUris.length === 0) throw invalidRequest('redirect_uris is required for apps');
  if (input.launch_url !== undefined && !isUrl(input.launch_url)) throw invalidRequest('launch_url must be an absolute http(s) URL');
  const asymmetric = type === 'backend' || type === 'confidential-asymmetric';
  if (asymmetric && !input.jwks && !input.jwks_uri) throw invalidRequest('jwks or jwks_uri is required for private_key_jwt clients');
  if (input.jwks_uri !== undefined && !isUrl(input.jwks_uri)) throw invalidRequest('jwks_uri must be an absolute http(s) URL');
  const jwks = input.jwks as ClientDoc['jwks'] | undefined;
  if (jwks !== undefined && (typeof jwks !== 'object' || !Array.isArray(jwks?.keys) || jwks.keys.some((k) => 'd' in k))) {
    throw invalidRequest('jwks must be a JWK Set of public keys');
  }
  const secret = type === 'confidential-symmetric' ? (input.client_secret ?? randomToken(32)) : undefined;
  if (secret !== undefined && secret.length < 16) throw invalidRequest('client_secret must have at least 16 characters');
  const client: ClientDoc = {
    _id: id,
    name: input.client_name ?? id,
    type,
    ...(secret ? { secretHash: await hashSecret(secret) } : {}),
    redirectUris: redirectUris as string[],
    ...(input.launch_url ? { launchUrl: input.launch_url } : {}),
    scope: input.scope ?? (type === 'backend' ? DEFAULT_BACKEND_SCOPE : DEFAULT_APP_SCOPE),
    grantTypes: type === 'backend' ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    ...(asymmetric && jwks ? { jwks } : {}),
    ...(asymmetric && input.jwks_uri ? { jwksUri: input.jwks_uri } : {}),
    createdAt: now.toISOString(),
  };
  try {
    await c.clients.insertOne(client);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new OAuthError('invalid_request', `Client ${id} already exists`, 409);
    throw error;
  }
  return { ...clientView(client), ...(secret && !input.client_secret ? { client_secret: secret } : {}) };
}

export interface UserInput {
  username?: string;
  password?: string;
  role?: string;
  fhirUser?: string;
  name?: string;
}

/** Whether a `Type/id` reference names a live resource (a patient user must point at a real Patient). */
export type ReferenceExists = (reference: string) => Promise<boolean>;

export async function registerUser(c: AuthCollections, input: UserInput, now: Date, referenceExists?: ReferenceExists): Promise<UserView> {
  const role = input.role as UserRole;
  if (!input.username || !ID.test(input.username)) throw invalidRequest('username may use letters, digits and . _ ~ - only');
  if (!USER_ROLES.includes(role)) throw invalidRequest(`role must be one of ${USER_ROLES.join(', ')}`);
  if (typeof input.password !== 'string' || input.password.length < 8) throw invalidRequest('password must have at least 8 characters');
  const fhirUser = input.fhirUser;
  if (role === 'patient' && !/^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(fhirUser ?? '')) throw invalidRequest('a patient user needs fhirUser Patient/<id>');
  if (role === 'practitioner' && fhirUser !== undefined && !/^(Practitioner|PractitionerRole)\/[A-Za-z0-9\-.]{1,64}$/.test(fhirUser)) {
    throw invalidRequest('a practitioner fhirUser must be Practitioner/<id>');
  }
  if (role === 'patient' && referenceExists && !(await referenceExists(fhirUser as string))) {
    throw new OAuthError('invalid_request', `fhirUser ${fhirUser} does not exist: create the Patient first`);
  }
  const user: UserDoc = {
    _id: input.username,
    role,
    passwordHash: await hashSecret(input.password),
    ...(fhirUser ? { fhirUser } : {}),
    ...(input.name ? { name: input.name } : {}),
    createdAt: now.toISOString(),
  };
  try {
    await c.users.insertOne(user);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new OAuthError('invalid_request', `User ${input.username} already exists`, 409);
    throw error;
  }
  return userView(user);
}

/** A user as the admin API and the CLI show it: `id` (the username), never the password hash. */
export type UserView = Omit<UserDoc, '_id' | 'passwordHash'> & { id: string };
export const userView = ({ passwordHash: _hash, _id, ...rest }: UserDoc): UserView => ({ id: _id, ...rest });

/** The admin client may administer the server and use the FHIR API as a backend service. */
export const ADMIN_CLIENT_SCOPE = `${ADMIN_SCOPE} system/*.cruds`;

/** ADMIN_CLIENT_SECRET bootstrap: the `admin` client gets telefhir/admin by client_credentials. */
export async function ensureAdminClient(c: AuthCollections, secret: string, now: Date): Promise<void> {
  if (secret.length < 16) throw new Error('ADMIN_CLIENT_SECRET must have at least 16 characters');
  const existing = await c.clients.findOne({ _id: ADMIN_CLIENT_ID });
  if (existing && existing.scope === ADMIN_CLIENT_SCOPE && (await verifySecret(secret, existing.secretHash))) return;
  const client = await adminClientDoc(secret, now);
  await c.clients.replaceOne({ _id: ADMIN_CLIENT_ID }, client, { upsert: true });
}

/** The `admin` client with (the scrypt hash of) `secret`. */
export async function adminClientDoc(secret: string, now: Date): Promise<ClientDoc> {
  return {
    _id: ADMIN_CLIENT_ID,
    name: 'Telefhir administration',
    type: 'confidential-symmetric',
    secretHash: await hashSecret(secret),
    redirectUris: [],
    scope: ADMIN_CLIENT_SCOPE,
    grantTypes: ['client_credentials'],
    createdAt: now.toISOString(),
  };
}

/** A public client shipped with the server (the web console), kept in line with the code at every start. */
export async function ensurePublicClient(c: AuthCollections, input: BuiltInClient, now: Date): Promise<void> {
  const existing = await c.clients.findOne({ _id: input.clientId });
  const client: ClientDoc = {
    _id: input.clientId,
    name: input.name,
    type: 'public',
    redirectUris: input.redirectUris,
    scope: input.scope,
    grantTypes: ['authorization_code'],
    createdAt: existing?.createdAt ?? now.toISOString(),
  };
  await c.clients.replaceOne({ _id: input.clientId }, client, { upsert: true });
}
