import request from 'supertest';
import { startAuthServer, type AuthServer } from './harness';

let s: AuthServer;
beforeAll(async () => {
  s = await startAuthServer();
});
afterAll(() => s.close());

it('serves the SMART configuration as JSON whatever the Accept header', async () => {
  const res = await request(s.app).get('/fhir/.well-known/smart-configuration').set('Accept', 'text/html');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const c = res.body;
  expect(c.issuer).toBe(s.base);
  expect(c.authorization_endpoint).toBe('http://localhost:8080/auth/authorize');
  expect(c.token_endpoint).toBe('http://localhost:8080/auth/token');
  expect(c.introspection_endpoint).toBe('http://localhost:8080/auth/introspect');
  expect(c.revocation_endpoint).toBe('http://localhost:8080/auth/revoke');
  expect(c.jwks_uri).toBe('http://localhost:8080/auth/jwks');
  expect(c.code_challenge_methods_supported).toEqual(['S256']);
  expect(c.response_types_supported).toEqual(['code']);
  expect(c.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
  expect(c.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS384', 'ES384']);
  expect(c.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']));
  for (const cap of ['launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-asymmetric', 'permission-v2', 'permission-v1', 'sso-openid-connect', 'authorize-post', 'context-style', 'context-banner']) {
    expect(c.capabilities).toContain(cap);
  }
});

it('serves OIDC discovery at the issuer and publishes the signing keys', async () => {
  const oidc = await request(s.app).get('/fhir/.well-known/openid-configuration');
  expect(oidc.status).toBe(200);
  expect(oidc.body).toMatchObject({ issuer: s.base, subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
  const jwks = await request(s.app).get('/auth/jwks');
  expect(jwks.status).toBe(200);
  expect(jwks.body.keys.length).toBeGreaterThanOrEqual(1);
  expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  expect(jwks.body.keys[0].d).toBeUndefined();
  expect((await request(s.app).get('/.well-known/jwks.json')).body).toEqual(jwks.body);
});

it('advertises SMART in the CapabilityStatement security block', async () => {
  const res = await request(s.app).get('/fhir/metadata');
  expect(res.status).toBe(200);
  const security = res.body.rest[0].security;
  expect(security.service[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' });
  const uris = security.extension.find((e: { url: string }) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
  expect(uris.extension.map((e: { url: string }) => e.url)).toEqual(['authorize', 'token', 'introspect', 'revoke']);
});

it('refuses FHIR calls without a valid token with 401 and a Bearer challenge', async () => {
  for (const header of [undefined, 'Bearer not-a-jwt', 'Basic abc']) {
    const req = request(s.app).get('/fhir/Patient');
    const res = header ? await req.set('Authorization', header) : await req;
    expect(res.status).toBe(401);
    // RFC 6750 §3.1: no credentials → the bare challenge; bad credentials → error="invalid_token"
    if (header) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
    else expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+"$/);
    expect(res.body.resourceType).toBe('OperationOutcome');
  }
});
