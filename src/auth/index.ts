import type { AuthModule } from './api';
import { bootstrapAdminClient } from './admin-bootstrap';
import { AssertionVerifier } from './assertion';
import { longestAccessTokenMs, resolveConfig, type AuthOptions } from './config';
import { randomToken } from './crypto';
import type { AuthDeps } from './deps';
import { JwksFetcher } from './jwks-fetch';
import { KeyRing } from './keys';
import { authLogRoute } from './log-route';
import { authCollections, purgeExpired, type AuthCollections } from './model';
import { ensurePublicClient } from './registry';
import { buildRouter } from './router';
import { resolveAccess } from './routes/bearer';
import { capabilitySecurity } from './routes/discovery';
import { Sessions } from './session';
import { CredentialThrottle } from './throttle';
import { TokenService } from './tokens';
import { DuplicateKeyError } from '../storage/port';

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
  const keys = new KeyRing(c, config.keyRotationMs, longestAccessTokenMs(config), config.now);
  await keys.load();
  const tokens = new TokenService(config, c, keys);
  await tokens.revocations.load();
  tokens.revocations.start();
  const sessions = new Sessions(config, c, await cookieSecret(c));
  const assertions = new AssertionVerifier(config, c, new JwksFetcher(config.now));
  const adminBootstrap = await bootstrapAdminClient(c, config.adminClientSecret, new Date(config.now()));
  const throttle = new CredentialThrottle(c.throttle, config.throttle, config.now);
  const deps: AuthDeps = { config, c, keys, tokens, sessions, assertions, throttle };

  const purge = () => purgeExpired(c, config.now()).catch((err: Error) => config.logger.warn({ err: err.message }, 'auth purge failed'));
  await purge();
  const purgeTimer = setInterval(() => void purge(), PURGE_EVERY_MS).unref();

  return {
    stop: () => {
      clearInterval(purgeTimer);
      tokens.revocations.stop();
    },
    router: buildRouter(deps),
    resolveAccess: (header) => resolveAccess(header, deps),
    capabilitySecurity: () => capabilitySecurity(config),
    logRoute: (path) => authLogRoute(config.authPath, path),
    ensurePublicClient: (client) => ensurePublicClient(c, client, new Date(config.now())),
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
    c.throttle.createIndex({ keys: { expiresAt: 1 } }),
  ]);
}

/** The cookie-signing secret, generated once and kept in the store. */
async function cookieSecret(c: AuthCollections): Promise<string> {
  const existing = await c.settings.findOne({ _id: 'cookie-secret' });
  if (existing) return existing.value;
  // insert, never replace: instances starting together must all end up with the first one's secret
  const value = randomToken(32);
  try {
    await c.settings.insertOne({ _id: 'cookie-secret', value });
    return value;
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    const winner = await c.settings.findOne({ _id: 'cookie-secret' });
    if (!winner) throw error;
    return winner.value;
  }
}
