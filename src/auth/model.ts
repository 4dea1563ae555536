import type { DocumentCollection, DocumentStore, StoredDocument } from '../storage/port';
import type { ThrottleDoc } from './throttle';

/** Everything the authorization server keeps, in `auth_*` collections so it survives restarts. */

export type ClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric' | 'backend';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

export interface ClientDoc extends StoredDocument {
  /** client_id */
  _id: string;
  name: string;
  type: ClientType;
  /** scrypt hash of the client secret (confidential-symmetric only). */
  secretHash?: string;
  redirectUris: string[];
  launchUrl?: string;
  /** Space-separated scopes the client may be granted (patterns such as `patient/*.*` allowed). */
  scope: string;
  grantTypes: GrantType[];
  /** Public JWKS for private_key_jwt, inline... */
  jwks?: { keys: Array<Record<string, unknown>> };
  /** ...or fetched from this URL. */
  jwksUri?: string;
  createdAt: string;
}

export type UserRole = 'practitioner' | 'patient' | 'admin';

export interface UserDoc extends StoredDocument {
  /** username */
  _id: string;
  role: UserRole;
  passwordHash: string;
  /** `Practitioner/123` or `Patient/456`: the FHIR resource of the user. */
  fhirUser?: string;
  name?: string;
  createdAt: string;
}

export interface KeyDoc extends StoredDocument {
  /** kid */
  _id: string;
  /** The private JWK (node-jose `toJSON(true)`). */
  jwk: Record<string, unknown>;
  createdAt: number;
  /** No longer used for signing after this instant (epoch ms); still published and verifying. */
  retiredAt?: number;
}

export interface LaunchDoc extends StoredDocument {
  /** The opaque `launch` value. */
  _id: string;
  patient?: string;
  encounter?: string;
  /** When set, only this client may use the launch. */
  clientId?: string;
  needPatientBanner: boolean;
  createdBy: string;
  expiresAt: number;
}

/** What an authorization decision grants; carried from code to tokens to refreshes. */
export interface GrantContext {
  /** The grant id: one per authorization; revoking any token of it revokes them all. */
  gid: string;
  clientId: string;
  scope: string;
  userId?: string;
  fhirUser?: string;
  patient?: string;
  encounter?: string;
  needPatientBanner?: boolean;
  nonce?: string;
  authTime?: number;
  /** The login session an online_access refresh token is tied to. */
  sessionId?: string;
}

export interface CodeDoc extends StoredDocument, GrantContext {
  /** sha256 of the code */
  _id: string;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
  used: boolean;
}

export interface RefreshDoc extends StoredDocument, GrantContext {
  /** sha256 of the refresh token */
  _id: string;
  offline: boolean;
  expiresAt: number;
  /**
   * Set when the token was exchanged (rotated): the document stays until `expiresAt` so that a
   * replay of the old token is recognised and revokes the whole grant (RFC 9700 §4.14.2).
   */
  rotatedAt?: number;
}

/** A revoked access-token id (`j:<jti>`) or grant (`g:<gid>`), kept until the tokens expire. */
export interface RevokedDoc extends StoredDocument {
  expiresAt: number;
  /** When it was revoked (epoch ms): other instances poll for recent ones. Absent on old documents. */
  revokedAt?: number;
}

/** A seen client-assertion jti (`<client_id> <jti>`), kept until the assertion expires. */
export interface JtiDoc extends StoredDocument {
  expiresAt: number;
}

export interface SessionDoc extends StoredDocument {
  /** The session id (random, in the signed cookie). */
  _id: string;
  userId?: string;
  expiresAt: number;
}

/** A pending authorization request between /auth/authorize and the code. */
export interface PendingDoc extends StoredDocument {
  _id: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scope: string;
  codeChallenge: string;
  nonce?: string;
  launch?: string;
  patient?: string;
  encounter?: string;
  needPatientBanner?: boolean;
  /** The browser session that started the request. */
  sid: string;
  /** Set once the user picked (or the launch fixed) the patient. */
  patientChosen?: boolean;
  expiresAt: number;
}

export interface SettingDoc extends StoredDocument {
  value: string;
}

export interface AuthCollections {
  clients: DocumentCollection<ClientDoc>;
  users: DocumentCollection<UserDoc>;
  keys: DocumentCollection<KeyDoc>;
  launches: DocumentCollection<LaunchDoc>;
  codes: DocumentCollection<CodeDoc>;
  refresh: DocumentCollection<RefreshDoc>;
  revoked: DocumentCollection<RevokedDoc>;
  jtis: DocumentCollection<JtiDoc>;
  sessions: DocumentCollection<SessionDoc>;
  pending: DocumentCollection<PendingDoc>;
  settings: DocumentCollection<SettingDoc>;
  throttle: DocumentCollection<ThrottleDoc>;
}

export function authCollections(store: DocumentStore): AuthCollections {
  return {
    clients: store.collection<ClientDoc>('auth_clients'),
    users: store.collection<UserDoc>('auth_users'),
    keys: store.collection<KeyDoc>('auth_keys'),
    launches: store.collection<LaunchDoc>('auth_launches'),
    codes: store.collection<CodeDoc>('auth_codes'),
    refresh: store.collection<RefreshDoc>('auth_refresh_tokens'),
    revoked: store.collection<RevokedDoc>('auth_revocations'),
    jtis: store.collection<JtiDoc>('auth_assertion_jtis'),
    sessions: store.collection<SessionDoc>('auth_sessions'),
    pending: store.collection<PendingDoc>('auth_pending'),
    settings: store.collection<SettingDoc>('auth_settings'),
    throttle: store.collection<ThrottleDoc>('auth_throttle'),
  };
}

/** Drops expired entries of the short-lived collections (called now and then, never on a hot path). */
export async function purgeExpired(c: AuthCollections, now = Date.now()): Promise<void> {
  const expired = { expiresAt: { $lt: now } };
  await Promise.all([
    c.codes.deleteMany(expired),
    c.launches.deleteMany(expired),
    c.refresh.deleteMany(expired),
    c.revoked.deleteMany(expired),
    c.jtis.deleteMany(expired),
    c.sessions.deleteMany(expired),
    c.pending.deleteMany(expired),
    c.throttle.deleteMany(expired),
  ]);
}

/** The grant fields of a code or refresh-token document. */
export function grantOf(doc: GrantContext): GrantContext {
  const {
    gid,
    clientId,
    scope,
    userId,
    fhirUser,
    patient,
    encounter,
    needPatientBanner,
    nonce,
    authTime,
    sessionId,
  } = doc;
  const grant: GrantContext = { gid, clientId, scope };
  const optional = { userId, fhirUser, patient, encounter, needPatientBanner, nonce, authTime, sessionId };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) (grant as unknown as Record<string, unknown>)[key] = value;
  return grant;
}

/** A public client that ships with the server (the web console): authorization code + PKCE only. */
export interface BuiltInClient {
  clientId: string;
  name: string;
  redirectUris: string[];
  scope: string;
}
