import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import jose from 'node-jose';
import request from 'supertest';
import { admin, createResource, startAuthServer, type AuthServer } from './harness';

/** SMART Backend Services: client_credentials with private_key_jwt (RS384 and ES384). */
let s: AuthServer;
let rsa: jose.JWK.Key;
let ec: jose.JWK.Key;
let jwksServer: Server;
let jwksUrl: string;
let jwksFetches = 0;
let alice: string;
const TOKEN_URL = 'http://localhost:8080/auth/token';

beforeAll(async () => {
  s = await startAuthServer();
  rsa = await jose.JWK.createKey('RSA', 2048, { alg: 'RS384', kid: 'rsa-1' });
  ec = await jose.JWK.createKey('EC', 'P-384', { alg: 'ES384', kid: 'ec-1' });
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'max-age=60');
    res.end(JSON.stringify({ keys: [ec.toJSON(false)] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  expect((await admin(s, '/clients', { client_id: 'device-hub', type: 'backend', jwks: { keys: [rsa.toJSON(false)] }, scope: 'system/Observation.cru system/Patient.rs' })).status).toBe(201);
  expect((await admin(s, '/clients', { client_id: 'ec-hub', type: 'backend', jwks_uri: jwksUrl, scope: 'system/*.rs' })).status).toBe(201);
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
});
afterAll(async () => {
  await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  await s.close();
});

let jtiCounter = 0;
function assertion(key: jose.JWK.Key, over: { claims?: Record<string, unknown>; header?: Record<string, unknown>; alg?: string; iss?: string } = {}): string {
  const iss = over.iss ?? (key === ec ? 'ec-hub' : 'device-hub');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss, sub: iss, aud: TOKEN_URL, exp: now + 240, jti: `jti-${Date.now()}-${jtiCounter++}`, ...over.claims };
  const alg = (over.alg ?? key.alg) as jwt.Algorithm;
  return jwt.sign(claims, key.toPEM(true), { algorithm: alg, header: { alg, kid: key.kid, typ: 'JWT', ...over.header } as jwt.JwtHeader });
}

const tokenRequest = (clientAssertion: string, scope = 'system/Observation.cru', extra: Record<string, string> = {}) =>
  request(s.app)
    .post('/auth/token')
    .type('form')
    .send({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion, ...extra });

async function expectInvalidClient(clientAssertion: string, why: RegExp) {
  const res = await tokenRequest(clientAssertion);
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_client');
  expect(res.body.error_description).toMatch(why);
}

it('RS384 (inline JWKS): a system token that can POST a device Observation', async () => {
  const res = await tokenRequest(assertion(rsa), 'system/Observation.cru system/Encounter.rs');
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'system/Observation.cru' });
  expect(res.body.refresh_token).toBeUndefined();
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${alice}` },
    device: { display: 'Pulse oximeter' },
    valueQuantity: { value: 71, unit: '/min' },
  };
  const created = await request(s.app).post('/fhir/Observation').set('Authorization', `Bearer ${res.body.access_token}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify(observation));
  expect(created.status).toBe(201);
  const deleted = await request(s.app).delete(`/fhir/Observation/${created.body.id}`).set('Authorization', `Bearer ${res.body.access_token}`);
  expect(deleted.status).toBe(403);
});

it('ES384 (jwks_uri): keys are fetched and cached as Cache-Control allows', async () => {
  const before = jwksFetches;
  const first = await tokenRequest(assertion(ec), 'system/Patient.rs');
  expect(first.status).toBe(200);
  expect(first.body.scope).toBe('system/Patient.rs');
  const second = await tokenRequest(assertion(ec), 'system/Patient.rs');
  expect(second.status).toBe(200);
  expect(jwksFetches - before).toBe(1);
  const read = await request(s.app).get(`/fhir/Patient/${alice}`).set('Authorization', `Bearer ${second.body.access_token}`);
  expect(read.status).toBe(200);
});

it('a jku header must equal the registered jwks_uri', async () => {
  expect((await tokenRequest(assertion(ec, { header: { jku: jwksUrl } }), 'system/Patient.rs')).status).toBe(200);
  const res = await tokenRequest(assertion(ec, { header: { jku: 'https://evil.example.org/jwks.json' } }), 'system/Patient.rs');
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_client');
});

describe('refused assertions', () => {
  it('alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = { iss: 'device-hub', sub: 'device-hub', aud: TOKEN_URL, exp: now + 60, jti: 'none-1' };
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.`;
    await expectInvalidClient(unsigned, /alg none/);
  });
  it('HS256 signed with the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const hs = jwt.sign({ iss: 'device-hub', sub: 'device-hub', aud: TOKEN_URL, exp: now + 60, jti: 'hs-1' }, rsa.toPEM(false), { algorithm: 'HS256', keyid: 'rsa-1' });
    await expectInvalidClient(hs, /alg HS256/);
  });
  it('expired', async () => {
    await expectInvalidClient(assertion(rsa, { claims: { exp: Math.floor(Date.now() / 1000) - 120 } }), /expired/);
  });
  it('exp more than five minutes ahead, or missing', async () => {
    await expectInvalidClient(assertion(rsa, { claims: { exp: Math.floor(Date.now() / 1000) + 3600 } }), /five minutes/);
    const now = Math.floor(Date.now() / 1000);
    const noExp = jwt.sign({ iss: 'device-hub', sub: 'device-hub', aud: TOKEN_URL, jti: 'noexp', iat: now }, rsa.toPEM(true), { algorithm: 'RS384', keyid: 'rsa-1' });
    await expectInvalidClient(noExp, /exp/);
  });
  it('replayed jti', async () => {
    const once = assertion(rsa);
    expect((await tokenRequest(once)).status).toBe(200);
    await expectInvalidClient(once, /jti/);
  });
  it('missing jti', async () => {
    const now = Math.floor(Date.now() / 1000);
    const noJti = jwt.sign({ iss: 'device-hub', sub: 'device-hub', aud: TOKEN_URL, exp: now + 60 }, rsa.toPEM(true), { algorithm: 'RS384', keyid: 'rsa-1' });
    await expectInvalidClient(noJti, /jti/);
  });
  it('wrong aud', async () => {
    await expectInvalidClient(assertion(rsa, { claims: { aud: 'https://other.example.org/token' } }), /aud/);
  });
  it('iss different from sub', async () => {
    await expectInvalidClient(assertion(rsa, { claims: { sub: 'someone-else' } }), /iss and sub/);
  });
  it('unknown client', async () => {
    await expectInvalidClient(assertion(rsa, { iss: 'ghost' }), /Unknown client/);
  });
  it('a kid that picks no registered key', async () => {
    await expectInvalidClient(assertion(rsa, { header: { kid: 'other-kid' } }), /kid/);
  });
  it('signed by a key other than the registered one', async () => {
    const other = await jose.JWK.createKey('RSA', 2048, { alg: 'RS384', kid: 'rsa-1' });
    await expectInvalidClient(assertion(other, { iss: 'device-hub' }), /rejected/);
  });
  it('a wrong client_assertion_type', async () => {
    const res = await tokenRequest(assertion(rsa), 'system/Observation.cru', { client_assertion_type: 'urn:other' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

describe('refused token requests', () => {
  it('scopes outside the registration → invalid_scope', async () => {
    const res = await tokenRequest(assertion(rsa), 'system/Condition.rs patient/*.rs');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });
  it('a backend client cannot use authorization_code', async () => {
    const res = await request(s.app)
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://x', code_verifier: 'y', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion(rsa) });
    expect(res.body.error).toBe('unauthorized_client');
  });
  it('a public client cannot use client_credentials', async () => {
    await admin(s, '/clients', { client_id: 'pub', type: 'public', redirect_uris: ['https://pub.example.org/cb'] });
    const res = await request(s.app).post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'pub', scope: 'system/*.rs' });
    expect(res.body.error).toBe('unauthorized_client');
  });
});
