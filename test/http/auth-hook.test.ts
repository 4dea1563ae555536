import { Router } from 'express';
import request from 'supertest';
import type { AuthModule } from '../../src/auth/api';
import { UNRESTRICTED } from '../../src/fhir/access/context';
import { FhirError, issue } from '../../src/fhir/outcome';
import { makeTestApp, type TestApp } from '../helpers/app';

/** A stand-in for the SMART module: one valid token, one well-known document, one security block. */
function fakeAuth(seen: Array<string | undefined>): AuthModule {
  const router = Router();
  router.get('/fhir/.well-known/smart-configuration', (_req, res) => {
    res.json({ authorization_endpoint: 'http://localhost:8080/auth/authorize' });
  });
  return {
    router,
    resolveAccess: async (header) => {
      seen.push(header);
      if (header === 'Bearer good') return UNRESTRICTED;
      throw new FhirError(401, [issue('error', 'login', 'A valid bearer token is required')], { 'WWW-Authenticate': 'Bearer realm="telefhir"' });
    },
    capabilitySecurity: () => ({ cors: true, service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }] }),
  };
}

describe('auth hook', () => {
  let t: TestApp;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    t = await makeTestApp({ auth: fakeAuth(seen) });
  });
  afterAll(() => t.close());

  it('leaves GET /metadata public and advertises the security block', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.body.rest[0].security.service[0].coding[0].code).toBe('SMART-on-FHIR');
  });

  it('serves the auth router (well-known) without a token, with CORS', async () => {
    const res = await request(t.app).get('/fhir/.well-known/smart-configuration').set('Origin', 'https://app.example');
    expect(res.status).toBe(200);
    expect(res.body.authorization_endpoint).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('answers 401 with WWW-Authenticate without a valid token', async () => {
    const before = seen.length;
    const res = await request(t.app).get('/fhir/Patient');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="telefhir"');
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(seen.length).toBe(before + 1);
    const bad = await request(t.app).post('/fhir/Patient').set('Authorization', 'Bearer bad').set('Content-Type', 'application/fhir+json').send('{}');
    expect(bad.status).toBe(401);
  });

  it('dispatches with the access a valid token grants', async () => {
    const res = await request(t.app).get('/fhir/Patient').set('Authorization', 'Bearer good');
    expect(res.status).toBe(200);
    expect(seen[seen.length - 1]).toBe('Bearer good');
  });
});
