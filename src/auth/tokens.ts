import jwt from 'jsonwebtoken';
import { grantsOf } from '../fhir/access/scopes';
import type { AccessContext } from '../fhir/access/context';
import { ADMIN_SCOPE, type AuthConfig } from './config';
import { randomToken } from './crypto';
import type { KeyRing } from './keys';
import type { AuthCollections, GrantContext } from './model';
import { splitScope } from './scopes';

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
  constructor(
    private readonly config: AuthConfig,
    private readonly collections: AuthCollections,
    private readonly keys: KeyRing,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.config.now() / 1000);
  }

  issueAccessToken(grant: GrantContext): { token: string; claims: AccessClaims } {
    const iat = this.nowSeconds();
    const claims: AccessClaims = {
      iss: this.config.issuer,
      sub: grant.userId ?? grant.clientId,
      aud: this.config.baseUrl,
      client_id: grant.clientId,
      scope: grant.scope,
      jti: randomToken(18),
      gid: grant.gid,
      iat,
      exp: iat + this.config.accessTokenSeconds,
      ...(grant.patient ? { patient: grant.patient } : {}),
      ...(grant.encounter ? { encounter: grant.encounter } : {}),
      // always carried (not only with the fhirUser scope): user/ scopes of a patient user are
      // limited to their compartment, which the resource server learns from this claim
      ...(grant.fhirUser ? { fhirUser: this.absolute(grant.fhirUser) } : {}),
    };
    const key = this.keys.signingKey();
    const token = jwt.sign(claims, key.privatePem, { algorithm: key.alg, keyid: key.kid, header: { alg: key.alg, typ: 'at+jwt' } });
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
    return jwt.sign(claims, key.privatePem, { algorithm: 'RS256', keyid: key.kid });
  }

  /** Verifies signature, issuer, audience, expiry and revocation; throws InvalidToken. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const decoded = jwt.decode(token, { complete: true });
    const kid = decoded && typeof decoded === 'object' ? decoded.header.kid : undefined;
    if (!kid) throw new InvalidToken('The access token is malformed');
    const key = await this.keys.verificationKey(kid);
    if (!key) throw new InvalidToken('The access token was not signed by this server');
    let claims: AccessClaims;
    try {
      claims = jwt.verify(token, key.publicPem, {
        algorithms: ['RS256', 'RS384'],
        issuer: this.config.issuer,
        audience: this.config.baseUrl,
        clockTimestamp: this.nowSeconds(),
      }) as AccessClaims;
    } catch (error) {
      throw new InvalidToken(error instanceof jwt.TokenExpiredError ? 'The access token expired' : 'The access token is invalid');
    }
    if (typeof claims.jti !== 'string' || typeof claims.client_id !== 'string' || typeof claims.exp !== 'number') {
      throw new InvalidToken('The access token is invalid');
    }
    const revoked = await this.collections.revoked.findOne({ _id: { $in: [`j:${claims.jti}`, `g:${claims.gid}`] } });
    if (revoked) throw new InvalidToken('The access token was revoked');
    return claims;
  }

  /** Refuses every token of the grant from now on (kept until its longest token could expire). */
  async revokeGrant(gid: string, untilMs: number): Promise<void> {
    await this.collections.revoked.replaceOne({ _id: `g:${gid}` }, { _id: `g:${gid}`, expiresAt: untilMs }, { upsert: true });
  }

  async revokeAccessToken(claims: AccessClaims): Promise<void> {
    await this.collections.revoked.replaceOne(
      { _id: `j:${claims.jti}` },
      { _id: `j:${claims.jti}`, expiresAt: claims.exp * 1000 },
      { upsert: true },
    );
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
