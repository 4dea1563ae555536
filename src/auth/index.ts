import type { AuthModule } from './api';
import { bootstrapAdminClient } from './admin-bootstrap';
import { AssertionVerifier } from './assertion';
import { resolveConfig, type AuthOptions } from './config';
import { randomToken } from './crypto';
import type { AuthDeps } from './deps';
import { JwksFetcher } from './jwks-fetch';
import { KeyRing } from './keys';
import { authCollections, purgeExpired, type AuthCollections } from './model';
import { buildRouter } from './router';
import { resolveAccess } from './routes/bearer';
import { capabilitySecurity } from './routes/discovery';
import { Sessions } from './session';
import { TokenService } from './tokens';

export type { AuthModule } from './api';
export type { AuthOptions } from './config';
export type { AdminBootstrap } from './admin-bootstrap';
export { ADMIN_SCOPE } from './config';

const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * The SMART authorization server (SMART App Launch 2.x + Backend Services). Everything it keeps
 * lives in `auth_*` collections of `options.store`, so clients, users, keys and grants survive
 * restarts and are shared by every instance on the same store.
 */
export async function createAuthModule(options: AuthOptions): Promise<AuthModule> {
  const config = resolveConfig(options);
  const c = authCollections(config.store);
  await createIndexes(c);
  const keys = new KeyRing(c, config.keyRotationMs, config.accessTokenSeconds * 1000, config.now);
  await keys.load();
  const tokens = new TokenService(config, c, keys);
  await tokens.revocations.load();
  tokens.revocations.start();
  const sessions = new Sessions(config, c, await cookieSecret(c));
  const assertions = new AssertionVerifier(config, c, new JwksFetcher(config.now));
  const adminBootstrap = await bootstrapAdminClient(c, config.adminClientSecret, new Date(config.now()));
  const deps: AuthDeps = { config, c, keys, tokens, sessions, assertions };

  const purge = () => purgeExpired(c, config.now()).catch((err: Error) => config.logger.warn({ err: err.message }, 'auth purge failed'));
  await purge();
  setInterval(() => void purge(), PURGE_EVERY_MS).unref();

  return {
    router: buildRouter(deps),
    resolveAccess: (header) => resolveAccess(header, deps),
    capabilitySecurity: () => capabilitySecurity(config),
    adminBootstrap,
    tokenEndpoint: config.urls.token,
  };
}

async function createIndexes(c: AuthCollections): Promise<void> {
  await Promise.all([
    c.refresh.createIndex({ keys: { gid: 1 } }),
    c.refresh.createIndex({ keys: { expiresAt: 1 } }),
    c.codes.createIndex({ keys: { expiresAt: 1 } }),
    c.revoked.createIndex({ keys: { expiresAt: 1 } }),
    c.revoked.createIndex({ keys: { revokedAt: 1 } }),
    c.jtis.createIndex({ keys: { expiresAt: 1 } }),
    c.sessions.createIndex({ keys: { expiresAt: 1 } }),
    c.pending.createIndex({ keys: { sid: 1 } }),
  ]);
}

/** The cookie-signing secret, generated once and kept in the store. */
async function cookieSecret(c: AuthCollections): Promise<string> {
  const existing = await c.settings.findOne({ _id: 'cookie-secret' });
  if (existing) return existing.value;
  const value = randomToken(32);
  await c.settings.replaceOne({ _id: 'cookie-secret' }, { _id: 'cookie-secret', value }, { upsert: true });
  return (await c.settings.findOne({ _id: 'cookie-secret' }))?.value ?? value;
}
