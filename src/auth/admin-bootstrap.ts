import { ADMIN_CLIENT_ID } from './config';
import { randomToken } from './crypto';
import type { AuthCollections } from './model';
import { adminClientDoc, ensureAdminClient } from './registry';
import { DuplicateKeyError } from '../storage/port';

/**
 * How the `admin` client got its secret at this start:
 * - `env`: ADMIN_CLIENT_SECRET was given (its hash replaces any stored one);
 * - `generated`: first start without one, a random secret was created (only its hash is stored;
 *   the caller prints `secret` once and never again);
 * - `existing`: the store already holds an admin client (generated or rotated earlier).
 */
export type AdminBootstrap = { kind: 'env' } | { kind: 'generated'; secret: string } | { kind: 'existing' };

/** 32 bytes of entropy: 43 URL-safe characters, far above the 16-character minimum. */
export const newAdminSecret = (): string => randomToken(32);

export async function bootstrapAdminClient(
  c: AuthCollections,
  envSecret: string | undefined,
  now: Date,
): Promise<AdminBootstrap> {
  if (envSecret) {
    await ensureAdminClient(c, envSecret, now);
    return { kind: 'env' };
  }
  if (await c.clients.findOne({ _id: ADMIN_CLIENT_ID })) return { kind: 'existing' };
  const secret = newAdminSecret();
  try {
    // insert, not upsert: of two instances starting on one fresh store, only one creates the secret
    await c.clients.insertOne(await adminClientDoc(secret, now));
  } catch (error) {
    if (error instanceof DuplicateKeyError) return { kind: 'existing' };
    throw error;
  }
  return { kind: 'generated', secret };
}

/** Replaces the admin client's secret with a new random one (CLI `admin rotate-secret`); returns it once. */
export async function rotateAdminSecret(c: AuthCollections, now: Date): Promise<string> {
  const secret = newAdminSecret();
  await c.clients.replaceOne({ _id: ADMIN_CLIENT_ID }, await adminClientDoc(secret, now), { upsert: true });
  return secret;
}
