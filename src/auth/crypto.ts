import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Small, explicit security helpers: randomness, hashing, constant-time comparison. */

/** A URL-safe random string with `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** SHA-256 (base64url) of a bearer secret: codes and refresh tokens are stored only hashed. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/** Constant-time string equality (lengths are compared on digests so they leak nothing). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

export const hmac = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('base64url');

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url); parameters are kept so they can be raised later. */
export async function hashSecret(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifySecret(password: string, stored: string | undefined): Promise<boolean> {
  // Hash even when there is nothing to compare, so unknown users take as long as known ones.
  const parts = (stored ?? '').split('$');
  const [kind, n, r, p, salt, hash] = parts;
  const valid = parts.length === 6 && kind === 'scrypt' && salt !== undefined && hash !== undefined;
  const expected = valid ? Buffer.from(hash, 'base64url') : Buffer.alloc(SCRYPT.keylen);
  const key = await scryptAsync(
    password,
    valid ? Buffer.from(salt, 'base64url') : Buffer.alloc(16),
    valid ? Number(n) : SCRYPT.N,
    valid ? Number(r) : SCRYPT.r,
    valid ? Number(p) : SCRYPT.p,
    expected.length,
  );
  return timingSafeEqual(key, expected) && valid;
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier, 'ascii').digest('base64url');
