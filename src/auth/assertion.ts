import jwt from 'jsonwebtoken';
import jose from 'node-jose';
import { DuplicateKeyError } from '../storage/port';
import type { AuthConfig } from './config';
import { invalidClient } from './errors';
import type { JwksFetcher, Jwks } from './jwks-fetch';
import type { AuthCollections, ClientDoc } from './model';

/**
 * private_key_jwt client authentication (RFC 7523, SMART Backend Services):
 * alg RS384 or ES384 only (none and HS* refused); iss = sub = client_id; aud = the token URL;
 * exp required and at most five minutes ahead; jti never seen before; the key comes from the
 * client's registered JWKS (inline or jwks_uri), a `jku` header must equal the registered URL,
 * and kid + kty must pick exactly one key.
 */
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGS = ['RS384', 'ES384'] as const;
const MAX_LIFETIME_S = 300;
const SKEW_S = 10;

export class AssertionVerifier {
  constructor(
    private readonly config: AuthConfig,
    private readonly collections: AuthCollections,
    private readonly jwks: JwksFetcher,
  ) {}

  async verify(assertion: string, claimedClientId: string | undefined): Promise<ClientDoc> {
    const decoded = jwt.decode(assertion, { complete: true });
    if (!decoded || typeof decoded.payload !== 'object') throw invalidClient('client_assertion is not a JWT');
    const { header, payload } = decoded;
    const alg = header.alg as string;
    if (!(ASSERTION_ALGS as readonly string[]).includes(alg)) throw invalidClient(`client_assertion alg ${alg} is not accepted (RS384, ES384)`);
    const clientId = payload.iss;
    if (typeof clientId !== 'string' || payload.sub !== clientId) throw invalidClient('client_assertion iss and sub must both be the client_id');
    if (claimedClientId !== undefined && claimedClientId !== clientId) throw invalidClient('client_id does not match the client_assertion');
    const client = await this.collections.clients.findOne({ _id: clientId });
    if (!client || (!client.jwks && !client.jwksUri)) throw invalidClient('Unknown client or no registered public keys');
    const jku = (header as { jku?: unknown }).jku;
    if (jku !== undefined && jku !== client.jwksUri) throw invalidClient('jku does not match the registered jwks_uri');

    const jwk = await this.pickKey(client, alg, header.kid);
    const pem = (await jose.JWK.asKey(jwk)).toPEM(false);
    const now = Math.floor(this.config.now() / 1000);
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(assertion, pem, {
        algorithms: [alg as jwt.Algorithm],
        audience: this.config.urls.token,
        issuer: clientId,
        subject: clientId,
        clockTimestamp: now,
        clockTolerance: SKEW_S,
      }) as jwt.JwtPayload;
    } catch (error) {
      const reason = error instanceof jwt.TokenExpiredError ? 'client_assertion expired' : `client_assertion rejected: ${(error as Error).message}`;
      throw invalidClient(reason);
    }
    if (typeof claims.exp !== 'number') throw invalidClient('client_assertion must carry exp');
    if (claims.exp > now + MAX_LIFETIME_S + SKEW_S) throw invalidClient('client_assertion exp is more than five minutes ahead');
    if (typeof claims.jti !== 'string' || claims.jti === '') throw invalidClient('client_assertion must carry jti');
    try {
      await this.collections.jtis.insertOne({ _id: `${clientId} ${claims.jti}`, expiresAt: (claims.exp + SKEW_S) * 1000 });
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw invalidClient('client_assertion jti was already used');
      throw error;
    }
    return client;
  }

  private async pickKey(client: ClientDoc, alg: string, kid: string | undefined): Promise<Record<string, unknown>> {
    const kty = alg.startsWith('ES') ? 'EC' : 'RSA';
    const choose = (set: Jwks) => set.keys.filter((k) => k.kty === kty && (kid === undefined || k.kid === kid));
    let found: Array<Record<string, unknown>>;
    if (client.jwks) found = choose(client.jwks);
    else {
      const url = client.jwksUri as string;
      try {
        const wasCached = this.jwks.isCached(url);
        found = choose(await this.jwks.get(url));
        if (found.length === 0 && wasCached) found = choose(await this.jwks.get(url, true));
      } catch (error) {
        this.config.logger.warn({ clientId: client._id, err: (error as Error).message }, 'client jwks_uri could not be read');
        throw invalidClient('The registered jwks_uri could not be read');
      }
    }
    if (found.length !== 1) throw invalidClient(found.length === 0 ? 'No registered key matches kid and kty' : 'kid and kty match several keys');
    return found[0] as Record<string, unknown>;
  }
}
