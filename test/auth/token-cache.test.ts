import { generateKeyPairSync, sign } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { createAuthModule } from '../../src/auth';
import type { AuthOptions } from '../../src/auth/config';
import { VerifiedTokenCache } from '../../src/auth/token-cache';
import type { AccessClaims } from '../../src/auth/tokens';
import { createApp } from '../../src/http/app';
import { testSettings } from '../helpers/app';
import { ADMIN_SECRET, createResource, startAuthServer, type AuthServer } from './harness';

/**
 * Cached bearer verification: every shortcut must refuse what the full verification refuses —
 * revoked (here at once, on other instances after the poll), expired, tampered tokens.
 */

let clock = Date.now();
const now = () => clock;
const servers: AuthServer[] = [];

// the first server of a process compiles the validators: pay for it once, outside any test's time budget
beforeAll(async () => {
  await start();
}, 240_000);
afterEach(async () => {
  clock = Date.now();
  for (const s of servers.splice(0)) await s.close();
});

async function start(auth: Partial<AuthOptions> = {}): Promise<{ s: AuthServer; patient: string }> {
  const s = await startAuthServer({ auth: { now, ...auth } });
  servers.push(s);
  return { s, patient: await createResource(s, { resourceType: 'Patient', name: [{ family: 'Cached' }] }) };
}

/** Another server instance (its own AuthModule and caches) over the same store. */
async function secondInstance(s: AuthServer, auth: Partial<AuthOptions> = {}): Promise<Express> {
  const module = await createAuthModule({ store: s.store, baseUrl: s.base, now, ...auth });
  return createApp({ store: s.store, settings: testSettings({ baseUrl: s.base }), auth: module });
}

async function issue(s: AuthServer): Promise<string> {
  const res = await request(s.app).post('/auth/token').auth('admin', ADMIN_SECRET).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

async function revoke(s: AuthServer, token: string): Promise<void> {
  const res = await request(s.app).post('/auth/revoke').auth('admin', ADMIN_SECRET).type('form').send({ token, token_type_hint: 'access_token' });
  expect(res.status).toBe(200);
}

const read = (app: Express, patient: string, token: string) => request(app).get(`/fhir/Patient/${patient}`).set('Authorization', `Bearer ${token}`);

/** A 401 OperationOutcome whose diagnostics and Bearer challenge say why. */
function expectRefused(res: request.Response, why: RegExp): void {
  expect(res.status).toBe(401);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe('login');
  expect(res.body.issue[0].diagnostics).toMatch(why);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=".*", error="invalid_token"/);
}

describe('revocation', () => {
  it('the instance that revokes refuses the cached token at once', async () => {
    const { s, patient } = await start();
    const token = await issue(s);
    expect((await read(s.app, patient, token)).status).toBe(200);
    await revoke(s, token);
    expectRefused(await read(s.app, patient, token), /revoked/);
  });

  it('another instance on the same store learns of it by polling', async () => {
    const { s, patient } = await start();
    const other = await secondInstance(s, { revocationPollMs: 50 });
    const token = await issue(s);
    expect((await read(other, patient, token)).status).toBe(200);
    await revoke(s, token);
    // the poll runs every 50 ms; a generous deadline only guards against a hung test on a busy machine
    let res = await read(other, patient, token);
    for (const deadline = Date.now() + 20_000; res.status === 200 && Date.now() < deadline; res = await read(other, patient, token)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expectRefused(res, /revoked/);
  });

  it('another instance whose poll is older than twice the interval asks the store instead of trusting its cache', async () => {
    const { s, patient } = await start({ revocationPollMs: 60_000 });
    const other = await secondInstance(s, { revocationPollMs: 60_000 });
    const token = await issue(s);
    expect((await read(other, patient, token)).status).toBe(200);
    await revoke(s, token);
    clock += 2 * 60_000 + 1; // the documented delay has passed, and no poll has run on the other instance
    expectRefused(await read(other, patient, token), /revoked/);
  });

  it('survives a restart: a new instance knows the revocation without polling', async () => {
    const { s, patient } = await start();
    const token = await issue(s);
    await revoke(s, token);
    const restarted = await secondInstance(s, { revocationPollMs: 60_000 });
    expectRefused(await read(restarted, patient, token), /revoked/);
  });

  it('a token of the same client that was not revoked keeps working', async () => {
    const { s, patient } = await start();
    const [kept, revoked] = [await issue(s), await issue(s)];
    await revoke(s, revoked);
    expect((await read(s.app, patient, kept)).status).toBe(200);
  });
});

describe('expiry and keys', () => {
  it('an expired token is refused although it was cached, from the second of its exp on', async () => {
    const { s, patient } = await start({ accessTokenSeconds: 600 });
    const token = await issue(s);
    expect((await read(s.app, patient, token)).status).toBe(200);
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as AccessClaims).exp;
    clock = exp * 1000 - 1;
    expect((await read(s.app, patient, token)).status).toBe(200);
    clock = exp * 1000;
    expectRefused(await read(s.app, patient, token), /expired/);
  });

  it('a rotated signing key still verifies its tokens (cached or not) until they expire', async () => {
    const { s, patient } = await start({ accessTokenSeconds: 600 });
    const old = await issue(s);
    expect((await read(s.app, patient, old)).status).toBe(200);
    const rotated = await request(s.app).post('/auth/admin/keys/rotate').set('Authorization', `Bearer ${s.adminToken}`);
    expect(rotated.status).toBe(200);
    const fresh = await issue(s);
    const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { kid: string }).kid;
    expect(kidOf(fresh)).toBe(rotated.body.kid);
    expect(kidOf(old)).not.toBe(rotated.body.kid);
    const other = await secondInstance(s);
    for (const app of [s.app, other]) {
      expect((await read(app, patient, old)).status).toBe(200);
      expect((await read(app, patient, fresh)).status).toBe(200);
    }
    clock += 600_000;
    for (const app of [s.app, other]) expectRefused(await read(app, patient, old), /expired/);
  });
});

describe('tampering never hits the cache', () => {
  it('a token whose payload equals a cached one but whose signature differs is refused', async () => {
    const { s, patient } = await start();
    const token = await issue(s);
    expect((await read(s.app, patient, token)).status).toBe(200);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    // a character from the middle of the signature: the last one may only carry padding bits
    const at = Math.floor(signature.length / 2);
    const flipped = `${header}.${payload}.${signature.slice(0, at)}${signature[at] === 'A' ? 'B' : 'A'}${signature.slice(at + 1)}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    const unsigned = `${header}.${payload}.`;
    for (const forged of [flipped, foreign, unsigned, none]) {
      const res = await read(s.app, patient, forged);
      expect(res.status).toBe(401);
      expect(res.body.issue[0].diagnostics).toMatch(/invalid|malformed|not a Bearer token/);
    }
    // twice: a refused token is not remembered as verified, and the genuine one was not evicted
    expect((await read(s.app, patient, flipped)).status).toBe(401);
    expect((await read(s.app, patient, token)).status).toBe(200);
  });
});

describe('the verified-token cache', () => {
  const claims = (jti: string, exp = 2_000_000_000): AccessClaims => ({ iss: 'i', sub: 's', aud: 'a', client_id: 'c', scope: 'system/*.rs', jti, gid: jti, iat: 0, exp });

  it('holds at most its bound, evicting the least recently used', () => {
    const cache = new VerifiedTokenCache<AccessClaims>(2);
    cache.set('a', claims('a'));
    cache.set('b', claims('b'));
    expect(cache.get('a', 0)?.jti).toBe('a'); // a is now the most recent
    cache.set('c', claims('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)?.jti).toBe('a');
    expect(cache.get('c', 0)?.jti).toBe('c');
  });

  it('never serves an entry at or past its exp, and a bound of 0 caches nothing', () => {
    const cache = new VerifiedTokenCache<AccessClaims>(10);
    cache.set('a', claims('a', 100));
    expect(cache.get('a', 99_999)?.jti).toBe('a');
    expect(cache.get('a', 100_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    const off = new VerifiedTokenCache<AccessClaims>(0);
    off.set('a', claims('a'));
    expect(off.get('a', 0)).toBeUndefined();
  });

  it('keys by a hash of the whole token, signature included', () => {
    expect(VerifiedTokenCache.keyOf('h.p.s1')).not.toBe(VerifiedTokenCache.keyOf('h.p.s2'));
    expect(VerifiedTokenCache.keyOf('h.p.s1')).not.toContain('h.p');
  });

  it('over HTTP, a bound smaller than the tokens in use only costs re-verification', async () => {
    const { s, patient } = await start({ tokenCacheSize: 1 });
    const tokens = [await issue(s), await issue(s), await issue(s)];
    for (let round = 0; round < 2; round++) for (const token of tokens) expect((await read(s.app, patient, token)).status).toBe(200);
    await revoke(s, tokens[1] as string);
    expectRefused(await read(s.app, patient, tokens[1] as string), /revoked/);
  });
});
