import jwt from 'jsonwebtoken';
import jose from 'node-jose';
import request from 'supertest';
import { admin, authorizeQuery, browse, createResource, exchange, pkce, REDIRECT, registerBasics, startAuthServer, tokensFor, type AuthServer } from './harness';

let s: AuthServer;
let alice: string;
let clock = Date.now();
const CONF_SECRET = 'confidential-secret-0123456789';

beforeAll(async () => {
  // conf plays the resource server that introspects the app's tokens
  s = await startAuthServer({ auth: { now: () => clock, introspectionClients: ['conf'] } });
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  await registerBasics(s, alice);
  const conf = await admin(s, '/clients', { client_id: 'conf', type: 'confidential-symmetric', client_secret: CONF_SECRET, redirect_uris: [REDIRECT] });
  expect(conf.status).toBe(201);
});
afterAll(() => s.close());
afterEach(() => {
  clock = Date.now();
});

const fhirStatus = async (token: string) => (await request(s.app).get(`/fhir/Patient/${alice}`).set('Authorization', `Bearer ${token}`)).status;
const refresh = (token: string, extra: Record<string, string> = {}) =>
  request(s.app).post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: token, client_id: 'app', ...extra });

describe('confidential symmetric clients', () => {
  const confQuery = { client_id: 'conf' };
  it('authenticate with client_secret_basic or client_secret_post', async () => {
    const p = pkce();
    const back = await browse(s, authorizeQuery(s, confQuery, p), { patient: alice });
    const res = await request(s.app)
      .post('/auth/token')
      .auth('conf', CONF_SECRET)
      .type('form')
      .send({ grant_type: 'authorization_code', code: back.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: p.verifier });
    expect(res.status).toBe(200);
    const post = await tokensFor(s, confQuery, { patient: alice }, { client_secret: CONF_SECRET });
    expect(post.status).toBe(200);
  });
  it('a bad secret → 401 invalid_client (with a Basic challenge for Basic auth)', async () => {
    const p = pkce();
    const back = await browse(s, authorizeQuery(s, confQuery, p), { patient: alice });
    const code = back.searchParams.get('code');
    const basic = await request(s.app).post('/auth/token').auth('conf', 'wrong-secret').type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: p.verifier });
    expect(basic.status).toBe(401);
    expect(basic.body.error).toBe('invalid_client');
    expect(basic.headers['www-authenticate']).toMatch(/^Basic/);
    const post = await exchange(s, code as string, p.verifier, { client_id: 'conf', client_secret: 'wrong-secret' });
    expect(post.status).toBe(401);
    expect(post.body.error).toBe('invalid_client');
  });
  it('must authenticate (no secret → invalid_client)', async () => {
    const p = pkce();
    const back = await browse(s, authorizeQuery(s, confQuery, p), { patient: alice });
    const res = await exchange(s, back.searchParams.get('code') as string, p.verifier, { client_id: 'conf' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

it('an expired code → invalid_grant', async () => {
  const p = pkce();
  const back = await browse(s, authorizeQuery(s, {}, p), { patient: alice });
  clock += 61_000;
  const res = await exchange(s, back.searchParams.get('code') as string, p.verifier);
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('invalid_grant');
});

it('an expired access token → 401 invalid_token', async () => {
  const res = await tokensFor(s, {}, { patient: alice });
  expect(await fhirStatus(res.body.access_token)).toBe(200);
  clock += 3601_000;
  const after = await request(s.app).get(`/fhir/Patient/${alice}`).set('Authorization', `Bearer ${res.body.access_token}`);
  expect(after.status).toBe(401);
  expect(after.headers['www-authenticate']).toContain('error="invalid_token"');
});

it('a token signed by another key, or with alg none, → 401', async () => {
  const real = await tokensFor(s, {}, { patient: alice });
  const claims = jwt.decode(real.body.access_token) as Record<string, unknown>;
  const header = jwt.decode(real.body.access_token, { complete: true })?.header;
  const other = await jose.JWK.createKey('RSA', 2048, { alg: 'RS256' });
  const forged = jwt.sign(claims, other.toPEM(true), { algorithm: 'RS256', keyid: header?.kid });
  expect(await fhirStatus(forged)).toBe(401);
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: header?.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  expect(await fhirStatus(none)).toBe(401);
  const tampered = real.body.access_token.replace(/\.([^.]+)\./, (_m: string, p: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), patient: 'x' })).toString('base64url')}.`);
  expect(await fhirStatus(tampered)).toBe(401);
});

describe('refresh tokens', () => {
  it('rotate: the new one works, the old one is refused', async () => {
    const first = await tokensFor(s, {}, { patient: alice });
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(second.body.patient).toBe(alice);
    expect(await fhirStatus(second.body.access_token)).toBe(200);
    const reused = await refresh(first.body.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
  });
  it('may narrow the scope but never widen it', async () => {
    const first = await tokensFor(s, {}, { patient: alice });
    const wider = await refresh(first.body.refresh_token, { scope: 'patient/*.rs patient/*.cud offline_access' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    const narrower = await refresh(first.body.refresh_token, { scope: 'patient/*.rs' });
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('patient/*.rs');
  });
  it('belong to their client', async () => {
    const first = await tokensFor(s, {}, { patient: alice });
    const stolen = await request(s.app).post('/auth/token').auth('conf', CONF_SECRET).type('form').send({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(stolen.body.error).toBe('invalid_grant');
  });
  it('are issued only with offline_access or online_access', async () => {
    const res = await tokensFor(s, { scope: 'launch/patient patient/*.rs' }, { patient: alice });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.id_token).toBeUndefined();
  });
  it('online_access refresh tokens last as long as the login session', async () => {
    const res = await tokensFor(s, { scope: 'launch/patient patient/*.rs online_access' }, { patient: alice });
    expect(res.body.scope).toContain('online_access');
    expect((await refresh(res.body.refresh_token)).status).toBe(200);
    const later = await tokensFor(s, { scope: 'launch/patient patient/*.rs online_access' }, { patient: alice });
    clock += 9 * 3600_000; // past the 8 h session
    expect((await refresh(later.body.refresh_token)).body.error).toBe('invalid_grant');
  });
});

describe('revocation and introspection', () => {
  const introspect = (token: string) => request(s.app).post('/auth/introspect').auth('conf', CONF_SECRET).type('form').send({ token });

  it('introspection describes an active token and answers exactly {active:false} otherwise', async () => {
    const res = await tokensFor(s, {}, { patient: alice });
    const active = await introspect(res.body.access_token);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ active: true, client_id: 'app', patient: alice, sub: 'dr', iss: s.base, fhirUser: `${s.base}/Practitioner/dr1`, scope: res.body.scope });
    expect(typeof active.body.exp).toBe('number');
    expect(typeof active.body.iat).toBe('number');
    expect((await introspect('garbage')).body).toEqual({ active: false });
    expect((await introspect(res.body.refresh_token)).body).toEqual({ active: false });
  });
  it('introspection needs an authenticated client or an admin token', async () => {
    const res = await tokensFor(s, {}, { patient: alice });
    const anonymous = await request(s.app).post('/auth/introspect').type('form').send({ token: res.body.access_token });
    expect(anonymous.status).toBe(401);
    const publicClient = await request(s.app).post('/auth/introspect').type('form').send({ token: res.body.access_token, client_id: 'app' });
    expect(publicClient.status).toBe(401);
    expect(publicClient.body.error).toBe('invalid_client');
    const withUserToken = await request(s.app).post('/auth/introspect').set('Authorization', `Bearer ${res.body.access_token}`).type('form').send({ token: res.body.access_token });
    expect(withUserToken.status).toBe(401);
    const asAdmin = await request(s.app).post('/auth/introspect').set('Authorization', `Bearer ${s.adminToken}`).type('form').send({ token: res.body.access_token });
    expect(asAdmin.body.active).toBe(true);
  });
  it('revoking the access token refuses it and its refresh token', async () => {
    const res = await tokensFor(s, {}, { patient: alice });
    const revoked = await request(s.app).post('/auth/revoke').type('form').send({ token: res.body.access_token, client_id: 'app' });
    expect(revoked.status).toBe(200);
    expect(await fhirStatus(res.body.access_token)).toBe(401);
    expect((await introspect(res.body.access_token)).body).toEqual({ active: false });
    expect((await refresh(res.body.refresh_token)).body.error).toBe('invalid_grant');
  });
  it('revoking the refresh token refuses the access tokens of the grant too', async () => {
    const res = await tokensFor(s, {}, { patient: alice });
    await request(s.app).post('/auth/revoke').type('form').send({ token: res.body.refresh_token, client_id: 'app' });
    expect((await refresh(res.body.refresh_token)).body.error).toBe('invalid_grant');
    expect(await fhirStatus(res.body.access_token)).toBe(401);
  });
  it('unknown tokens are answered 200; another client cannot revoke', async () => {
    expect((await request(s.app).post('/auth/revoke').type('form').send({ token: 'nothing', client_id: 'app' })).status).toBe(200);
    const res = await tokensFor(s, {}, { patient: alice });
    await request(s.app).post('/auth/revoke').auth('conf', CONF_SECRET).type('form').send({ token: res.body.access_token });
    expect(await fhirStatus(res.body.access_token)).toBe(200);
  });
});

it('rotated keys: old tokens still verify, new tokens use the new key, both are published', async () => {
  const before = await tokensFor(s, {}, { patient: alice });
  const rotated = await request(s.app).post('/auth/admin/keys/rotate').set('Authorization', `Bearer ${s.adminToken}`);
  expect(rotated.status).toBe(200);
  const after = await tokensFor(s, {}, { patient: alice });
  expect(jwt.decode(after.body.access_token, { complete: true })?.header.kid).toBe(rotated.body.kid);
  expect(await fhirStatus(before.body.access_token)).toBe(200);
  expect(await fhirStatus(after.body.access_token)).toBe(200);
  const kids = (await request(s.app).get('/auth/jwks')).body.keys.map((k: { kid: string }) => k.kid);
  expect(kids).toEqual(expect.arrayContaining([rotated.body.kid, jwt.decode(before.body.access_token, { complete: true })?.header.kid]));
});
