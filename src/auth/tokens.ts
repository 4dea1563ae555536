import jwt from 'jsonwebtoken';
import { grantsOf } from '../fhir/access/scopes';
import type { AccessContext } from '../fhir/access/context';
import { ADMIN_SCOPE, longestAccessTokenMs, type AuthConfig } from './config';
import { randomToken } from './crypto';
import type { KeyRing } from './keys';
import type { AuthCollections, GrantContext } from './model';
import { RevocationList } from './revocations';
import { splitScope } from './scopes';
import { VerifiedTokenCache } from './token-cache';

/** Claims of our access tokens (JWT, RS256, `aud` = the FHIR base). */
export interface AccessClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  jti: string;
  gid: string;
  iat: number;
  exp: number;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
}

export class InvalidToken extends Error {}

export class TokenService {
  /** Loaded and polled by createAuthModule; until then every check asks the store. */
  readonly revocations: RevocationList;
  private readonly verified: VerifiedTokenCache<AccessClaims>;

  constructor(
    private readonly config: AuthConfig,
    private readonly collections: AuthCollections,
    private readonly keys: KeyRing,
  ) {
    this.revocations = new RevocationList(collections, config.revocationPollMs, config.now, config.logger);
    this.verified = new VerifiedTokenCache<AccessClaims>(config.tokenCacheSize);
  }

  private nowSeconds(): number {
    return Math.floor(this.config.now() / 1000);
  }

  /** Grants with a user live `accessTokenSeconds`; backend-service (client_credentials) grants `backendAccessTokenSeconds`. */
  issueAccessToken(grant: GrantContext): { token: string; claims: AccessClaims } {
    const iat = this.nowSeconds();
    const lifetime = grant.userId ? this.config.accessTokenSeconds : this.config.backendAccessTokenSeconds;
    const claims: AccessClaims = {
      iss: this.config.issuer,
      sub: grant.userId ?? grant.clientId,
      aud: this.config.baseUrl,
      client_id: grant.clientId,
      scope: grant.scope,
      jti: randomToken(18),
      gid: grant.gid,
      iat,
      exp: iat + lifetime,
      ...(grant.patient ? { patient: grant.patient } : {}),
      ...(grant.encounter ? { encounter: grant.encounter } : {}),
      // always carried (not only with the fhirUser scope): user/ scopes of a patient user are
      // limited to their compartment, which the resource server learns from this claim
      ...(grant.fhirUser ? { fhirUser: this.absolute(grant.fhirUser) } : {}),
    };
    const key = this.keys.signingKey();
    const token = jwt.sign(claims, key.privateKey, { algorithm: key.alg, keyid: key.kid, header: { alg: key.alg, typ: 'at+jwt' } });
    return { token, claims };
  }

  /** OpenID Connect id_token (RS256, aud = client_id), when `openid` was granted with a user. */
  issueIdToken(grant: GrantContext, profileName?: string): string {
    const iat = this.nowSeconds();
    const scopes = splitScope(grant.scope);
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      sub: grant.userId,
      aud: grant.clientId,
      iat,
      exp: iat + this.config.accessTokenSeconds,
      ...(grant.authTime ? { auth_time: grant.authTime } : {}),
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      ...(grant.fhirUser && scopes.includes('fhirUser') ? { fhirUser: this.absolute(grant.fhirUser) } : {}),
      ...(profileName && scopes.includes('profile') ? { name: profileName } : {}),
    };
    const key = this.keys.signingKey();
    return jwt.sign(claims, key.privateKey, { algorithm: 'RS256', keyid: key.kid });
  }

  /**
   * Verifies signature, issuer, audience, expiry and revocation; throws InvalidToken. A token
   * verified before is taken from the cache until its `exp`, but is checked for revocation
   * every time.
   */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const cacheKey = VerifiedTokenCache.keyOf(token);
    const cached = this.verified.get(cacheKey, this.config.now());
    const claims = cached ?? (await this.verifySignature(token));
    if (await this.revocations.isRevoked(claims.jti, claims.gid)) {
      this.verified.delete(cacheKey);
      throw new InvalidToken('The access token was revoked');
    }
    if (!cached) this.verified.set(cacheKey, claims);
    return claims;
  }

  /** Signature (with the key named by `kid`), issuer, audience, expiry and the claims we rely on. */
  private async verifySignature(token: string): Promise<AccessClaims> {
    const decoded = jwt.decode(token, { complete: true });
    const kid = decoded && typeof decoded === 'object' ? decoded.header.kid : undefined;
    if (!kid) throw new InvalidToken('The access token is malformed');
    const key = await this.keys.verificationKey(kid);
    if (!key) throw new InvalidToken('The access token was not signed by this server');
    let claims: AccessClaims;
    try {
      claims = jwt.verify(token, key.publicKey, {
        algorithms: ['RS256', 'RS384'],
        issuer: this.config.issuer,
        audience: this.config.baseUrl,
        clockTimestamp: this.nowSeconds(),
      }) as AccessClaims;
    } catch (error) {
      throw new InvalidToken(error instanceof jwt.TokenExpiredError ? 'The access token expired' : 'The access token is invalid');
    }
    const { jti, gid, client_id: clientId, exp } = claims;
    if (typeof jti !== 'string' || typeof gid !== 'string' || typeof clientId !== 'string' || typeof exp !== 'number') {
      throw new InvalidToken('The access token is invalid');
    }
    return claims;
  }

  longestAccessTokenMs(): number {
    return longestAccessTokenMs(this.config);
  }

  /** Refuses every token of the grant from now on (kept until its longest token could expire). */
  async revokeGrant(gid: string, untilMs: number): Promise<void> {
    await this.revoke(`g:${gid}`, untilMs);
  }

  async revokeAccessToken(claims: AccessClaims): Promise<void> {
    await this.revoke(`j:${claims.jti}`, claims.exp * 1000);
  }

  /** Refused on this instance at once (even if the write fails), elsewhere once polled. */
  private async revoke(id: string, expiresAt: number): Promise<void> {
    this.revocations.remember(id, expiresAt);
    await this.collections.revoked.replaceOne({ _id: id }, { _id: id, expiresAt, revokedAt: this.config.now() }, { upsert: true });
  }

  /** `Practitioner/1` → absolute URL on the FHIR base (resolvable by a FHIR read). */
  absolute(reference: string): string {
    return /^https?:\/\//.test(reference) ? reference : `${this.config.baseUrl}/${reference}`;
  }
}

/** What the FHIR layer sees of a verified token. */
export function accessContextOf(claims: AccessClaims, baseUrl: string): AccessContext {
  const scopes = splitScope(claims.scope);
  const fhirUser = claims.fhirUser?.startsWith(`${baseUrl}/`) ? claims.fhirUser.slice(baseUrl.length + 1) : claims.fhirUser;
  return {
    unrestricted: false,
    clientId: claims.client_id,
    subject: claims.sub,
    ...(fhirUser ? { fhirUser } : {}),
    ...(claims.patient ? { patient: claims.patient } : {}),
    ...(claims.encounter ? { encounter: claims.encounter } : {}),
    scope: claims.scope,
    grants: grantsOf(claims.scope),
    admin: scopes.includes(ADMIN_SCOPE),
  };
}
