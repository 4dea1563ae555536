import request from 'supertest';
import { createAuthModule } from '../../src/auth';
import { clientAddress, delayAfter } from '../../src/auth/throttle';
import { createApp } from '../../src/http/app';
import { testSettings } from '../helpers/app';
import { ADMIN_SECRET, admin, createResource, REDIRECT, registerBasics, startAuthServer, type AuthServer } from './harness';

/**
 * Guessing passwords and client secrets: growing delays, then 429 with Retry-After per account
 * and per address, the same answers for unknown names, a reset on success, counters shared by
 * every instance on the store. Delays are 1 ms here (their growth is checked on the pure rule).
 */
const WINDOW_MS = 60_000;
const THROTTLE = { maxFailures: 5, addressMaxFailures: 12, windowMs: WINDOW_MS, delayMs: 1 };
const CONF_SECRET = 'confidential-secret-0123456789';
let s: AuthServer;
let clock = Date.now();

beforeAll(async () => {
  s = await startAuthServer({ auth: { now: () => clock, throttle: THROTTLE } });
  await registerBasics(s, await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] }));
  expect((await admin(s, '/clients', { client_id: 'conf', type: 'confidential-symmetric', client_secret: CONF_SECRET, redirect_uris: [REDIRECT] })).status).toBe(201);
});
afterAll(() => s.close());
// every test starts after the previous one's window: no counter carries over
beforeEach(() => {
  clock += WINDOW_MS + 1000;
});

/** A browser with a session, posting the sign-in form. */
async function signInForm(app = s.app) {
  const agent = request.agent(app);
  const page = await agent.get('/auth/launcher');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] as string;
  return (username: string, password: string) => agent.post('/auth/login').type('form').send({ csrf, next: '/auth/launcher', username, password });
}
const withoutCsrf = (html: string) => html.replace(/name="csrf" value="[^"]+"/g, '');

describe('sign-in page', () => {
  it('locks an account after its failures: 429 with Retry-After, even for the right password', async () => {
    const post = await signInForm();
    for (let i = 0; i < THROTTLE.maxFailures; i++) expect((await post('dr', `wrong-${i}`)).status).toBe(401);
    const locked = await post('dr', 'practitioner-pass');
    expect(locked.status).toBe(429);
    expect(locked.headers['content-type']).toMatch(/^text\/html/);
    expect(locked.headers['x-frame-options']).toBe('DENY');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(locked.text).toContain('Too many failed sign-in attempts');
    // the lock ends with the window
    clock += retryAfter * 1000;
    expect((await post('dr', 'practitioner-pass')).status).toBe(303);
  });
  it('answers an unknown username exactly like a known one (no enumeration)', async () => {
    const post = await signInForm();
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < THROTTLE.maxFailures; i++) {
      const a = await post('dr', 'wrong-password');
      const b = await post('nobody-here', 'wrong-password');
      expect([a.status, b.status]).toEqual([401, 401]);
      known.push(withoutCsrf(a.text));
      unknown.push(withoutCsrf(b.text));
    }
    expect(unknown).toEqual(known);
    const [a, b] = [await post('dr', 'x'), await post('nobody-here', 'x')];
    expect([a.status, b.status]).toEqual([429, 429]);
    expect(withoutCsrf(b.text)).toBe(withoutCsrf(a.text));
  });
  it('a success resets the account counter', async () => {
    const post = await signInForm();
    for (let i = 0; i < THROTTLE.maxFailures - 1; i++) expect((await post('alice', 'wrong')).status).toBe(401);
    expect((await post('alice', 'patient-pass')).status).toBe(303);
    const again = await signInForm();
    for (let i = 0; i < THROTTLE.maxFailures - 1; i++) expect((await again('alice', 'wrong')).status).toBe(401);
    expect((await again('alice', 'patient-pass')).status).toBe(303);
  });
  it('locks an address spraying many usernames', async () => {
    const post = await signInForm();
    for (let i = 0; i < THROTTLE.addressMaxFailures; i++) expect((await post(`user-${i}`, 'Winter2026!')).status).toBe(401);
    const locked = await post('dr', 'practitioner-pass');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // without trusted proxies a client-written X-Forwarded-For changes nothing
    const spoofed = await request(s.app).post('/auth/token').auth('admin', ADMIN_SECRET).set('X-Forwarded-For', '203.0.113.9').type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
    expect(spoofed.status).toBe(429);
  });
});

describe('client secrets', () => {
  const token = (id: string, secret: string) => request(s.app).post('/auth/token').auth(id, secret).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
  const appToken = () => request(s.app).post('/auth/token').auth('admin', ADMIN_SECRET).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });

  it('locks a client after its failures on the token endpoint: RFC 6749 JSON, 429, Retry-After', async () => {
    for (let i = 0; i < THROTTLE.maxFailures; i++) {
      const res = await token('admin', `wrong-secret-${i}`);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    }
    const locked = await appToken();
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/Too many failed attempts/) });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.headers['cache-control']).toBe('no-store');
    // introspection and revocation authenticate the same client: locked too
    const introspect = await request(s.app).post('/auth/introspect').auth('admin', ADMIN_SECRET).type('form').send({ token: 'x' });
    expect(introspect.status).toBe(429);
    const revoke = await request(s.app).post('/auth/revoke').type('form').send({ client_id: 'admin', client_secret: ADMIN_SECRET, token: 'x' });
    expect(revoke.status).toBe(429);
    clock += WINDOW_MS;
    expect((await appToken()).status).toBe(200);
  });
  it('counts failures on introspection like on the token endpoint', async () => {
    for (let i = 0; i < THROTTLE.maxFailures; i++) {
      expect((await request(s.app).post('/auth/introspect').auth('conf', 'wrong-secret').type('form').send({ token: 'x' })).status).toBe(401);
    }
    expect((await request(s.app).post('/auth/introspect').auth('conf', CONF_SECRET).type('form').send({ token: 'x' })).status).toBe(429);
  });
  it('answers an unknown client exactly like a known one', async () => {
    for (let i = 0; i < THROTTLE.maxFailures; i++) {
      const [a, b] = [await token('conf', 'wrong-secret'), await token('no-such-client', 'wrong-secret')];
      expect([a.status, b.status]).toEqual([401, 401]);
      expect(b.body).toEqual(a.body);
      expect(b.headers['www-authenticate']).toBe(a.headers['www-authenticate']);
    }
    const [a, b] = [await token('conf', 'wrong-secret'), await token('no-such-client', 'wrong-secret')];
    expect([a.status, b.status]).toEqual([429, 429]);
    expect(b.body).toEqual(a.body);
  });
  it('a success resets the client counter', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < THROTTLE.maxFailures - 1; i++) expect((await token('admin', 'wrong-secret')).status).toBe(401);
      expect((await appToken()).status).toBe(200);
    }
  });
});

it('counters are shared by every instance on the same store', async () => {
  const second = await createAuthModule({ store: s.store, baseUrl: s.base, adminClientSecret: ADMIN_SECRET, now: () => clock, throttle: THROTTLE });
  const other = createApp({ store: s.store, settings: testSettings({ baseUrl: s.base }), auth: second });
  const post = await signInForm();
  for (let i = 0; i < THROTTLE.maxFailures; i++) expect((await post('dr', 'wrong')).status).toBe(401);
  const elsewhere = await signInForm(other);
  expect((await elsewhere('dr', 'practitioner-pass')).status).toBe(429);
});

it('behind trusted proxies, addresses come from X-Forwarded-For', async () => {
  const proxied = await startAuthServer({ auth: { now: () => clock, throttle: { ...THROTTLE, trustedProxyHops: 1 } } });
  try {
    const attempt = (forwarded: string, secret: string) =>
      request(proxied.app).post('/auth/token').auth('admin', secret).set('X-Forwarded-For', forwarded).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
    // one address guessing many client ids (the client counters stay below their limit)
    for (let i = 0; i < THROTTLE.addressMaxFailures; i++) {
      const res = await request(proxied.app).post('/auth/token').auth(`client-${i}`, 'guess').set('X-Forwarded-For', 'evil, 198.51.100.7').type('form').send({ grant_type: 'client_credentials' });
      expect(res.status).toBe(401);
    }
    expect((await attempt('anything, 198.51.100.7', ADMIN_SECRET)).status).toBe(429);
    expect((await attempt('198.51.100.8', ADMIN_SECRET)).status).toBe(200);
  } finally {
    await proxied.close();
  }
});

describe('client address', () => {
  it('is the TCP peer without trusted proxies, else the entry the outermost trusted proxy saw', () => {
    expect(clientAddress('::ffff:10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', 'spoofed, 1.2.3.4', 1)).toBe('1.2.3.4');
    expect(clientAddress('10.0.0.5', ['spoofed, 1.2.3.4', '10.0.0.4'], 2)).toBe('1.2.3.4');
    expect(clientAddress('10.0.0.5', undefined, 1)).toBe('10.0.0.5');
    expect(clientAddress(undefined, undefined, 0)).toBe('unknown');
  });
});

describe('delay rule', () => {
  it('is free for the first failures, then doubles, then stays capped', () => {
    const delays = Array.from({ length: 12 }, (_, i) => delayAfter(i + 1, 10, 250));
    expect(delays.slice(0, 3)).toEqual([0, 0, 0]);
    expect(delays.slice(3, 8)).toEqual([250, 500, 1000, 2000, 4000]);
    expect(delays.slice(8)).toEqual([4000, 4000, 4000, 4000]);
    expect(delayAfter(50, 10, 0)).toBe(0);
  });
});
