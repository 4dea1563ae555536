import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import jose from 'node-jose';
import type { AuthCollections, KeyDoc } from './model';

/**
 * The server's signing keys (RSA 2048, RS256): persisted in `auth_keys`, rotated after
 * `rotationMs`. A retired key stops signing but stays published and verifying until every
 * token it signed has expired (`retiredAt + maxTokenMs`), then it is dropped.
 */
export interface SigningKey {
  kid: string;
  alg: 'RS256';
  /** Imported once: signing and verifying never parse a PEM per call. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export class KeyRing {
  private active: SigningKey | undefined;
  private readonly byKid = new Map<string, SigningKey>();

  constructor(
    private readonly collections: AuthCollections,
    private readonly rotationMs: number,
    private readonly maxTokenMs: number,
    private readonly now: () => number,
  ) {}

  /** Loads the stored keys and creates or rotates the active one when needed. */
  async load(): Promise<void> {
    const docs = await this.collections.keys.find({}, { sort: { createdAt: 1 } });
    const now = this.now();
    this.byKid.clear();
    this.active = undefined;
    for (const doc of docs) {
      if (doc.retiredAt !== undefined && doc.retiredAt + this.maxTokenMs < now) {
        await this.collections.keys.deleteOne({ _id: doc._id });
        continue;
      }
      const key = await toSigningKey(doc);
      this.byKid.set(key.kid, key);
      if (doc.retiredAt === undefined) this.active = key;
    }
    const activeDoc = docs.find((d) => d._id === this.active?.kid);
    if (!this.active || (activeDoc && activeDoc.createdAt + this.rotationMs < now)) await this.rotate();
  }

  /** Creates a new signing key and retires the previous one. */
  async rotate(): Promise<SigningKey> {
    const jwk = await jose.JWK.createKey('RSA', 2048, { alg: 'RS256', use: 'sig' });
    const now = this.now();
    const doc: KeyDoc = { _id: jwk.kid, jwk: jwk.toJSON(true) as Record<string, unknown>, createdAt: now };
    await this.collections.keys.insertOne(doc);
    if (this.active) {
      const previous = await this.collections.keys.findOne({ _id: this.active.kid });
      if (previous) await this.collections.keys.replaceOne({ _id: previous._id }, { ...previous, retiredAt: now });
    }
    const key = await toSigningKey(doc);
    this.byKid.set(key.kid, key);
    this.active = key;
    return key;
  }

  signingKey(): SigningKey {
    if (!this.active) throw new Error('signing keys not loaded');
    return this.active;
  }

  /** The key for `kid`, cached per kid; looked up in the store when unknown (another instance may have rotated). */
  async verificationKey(kid: string): Promise<SigningKey | undefined> {
    const known = this.byKid.get(kid);
    if (known) return known;
    const doc = await this.collections.keys.findOne({ _id: kid });
    if (!doc) return undefined;
    const key = await toSigningKey(doc);
    this.byKid.set(kid, key);
    return key;
  }

  jwks(): { keys: Array<Record<string, unknown>> } {
    return { keys: [...this.byKid.values()].map((k) => k.publicJwk) };
  }
}

async function toSigningKey(doc: KeyDoc): Promise<SigningKey> {
  const key = await jose.JWK.asKey(doc.jwk);
  return {
    kid: key.kid,
    alg: 'RS256',
    privateKey: createPrivateKey(key.toPEM(true)),
    publicKey: createPublicKey(key.toPEM(false)),
    publicJwk: { ...(key.toJSON(false) as Record<string, unknown>), alg: 'RS256', use: 'sig' },
  };
}
