import { hash } from 'node:crypto';

/**
 * Access tokens whose signature and claims were verified, so that a repeated bearer token costs
 * a hash and a map lookup instead of an RSA verification.
 *
 * - Keyed by SHA-256 of the *whole* token (header, payload and signature): a token whose
 *   signature was tampered with hashes differently and is verified from scratch, never served
 *   from here. Failed verifications are never cached. Tokens themselves are not kept.
 * - An entry is served only strictly before the token's `exp` (the same instant at which the
 *   verifier starts refusing it); an expired entry is dropped when met.
 * - Bounded LRU (a Map keeps insertion order: a hit is moved to the end, the oldest entry is
 *   evicted first). A bound of 0 disables caching.
 * - Revocation is not decided here: the caller checks every hit against the revocation list.
 */
/** What the cache needs of verified claims: their expiry (seconds since the epoch). */
interface ExpiringClaims {
  exp: number;
}

// generic rather than importing the claims type, so tokens.ts → token-cache.ts stays one-way
export class VerifiedTokenCache<Claims extends ExpiringClaims> {
  private readonly entries = new Map<string, Claims>();

  constructor(readonly maxEntries: number) {}

  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The verified claims of `key`, only while `nowMs` is before their `exp`. */
  get(key: string, nowMs: number): Claims | undefined {
    const claims = this.entries.get(key);
    if (!claims) return undefined;
    this.entries.delete(key);
    if (nowMs >= claims.exp * 1000) return undefined;
    this.entries.set(key, claims);
    return claims;
  }

  set(key: string, claims: Claims): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    // shared by every request presenting the token: nobody may change it
    this.entries.set(key, Object.freeze(claims));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
