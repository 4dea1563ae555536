import request from 'supertest';
import { ADMIN_SECRET, admin, createResource, REDIRECT, registerBasics, startAuthServer, tokensFor, type AuthServer } from './harness';

/**
 * Token hardening: a replayed (rotated) refresh token revokes its whole grant (RFC 9700
 * §4.14.2); backend-service tokens are short-lived; introspection only tells a client about its
 * own tokens unless it is a designated resource server.
 */
let s: AuthServer;
let alice: string;
const OTHER_SECRET = 'other-client-secret-0123456789';
const RS_SECRET = 'resource-server-secret-0123456789';

beforeAll(async () => {
  s = await startAuthServer({ auth: { introspectionClients: ['rs'] } });
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  await registerBasics(s, alice);
  for (const [id, secret] of [
    ['other', OTHER_SECRET],
    ['rs', RS_SECRET],
  ]) {
    const res = await admin(s, '/clients', { client_id: id, type: 'confidential-symmetric', client_secret: secret, redirect_uris: [REDIRECT] });
    expect(res.status).toBe(201);
  }
});
afterAll(() => s.close());

const fhirStatus = async (token: string) => (await request(s.app).get(`/fhir/Patient/${alice}`).set('Authorization', `Bearer ${token}`)).status;
const refresh = (token: string) => request(s.app).post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: token, client_id: 'app' });
const introspectAs = (id: string, secret: string, token: string) => request(s.app).post('/auth/introspect').auth(id, secret).type('form').send({ token });

describe('refresh-token replay', () => {
  it('revokes the whole grant: the newer refresh token and every access token', async () => {
    const first = await tokensFor(s, {}, { patient: alice });
    expect(first.status).toBe(200);
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    // warm the bearer cache with the newer access token: it must be refused all the same
    expect(await fhirStatus(second.body.access_token)).toBe(200);
    expect(await fhirStatus(first.body.access_token)).toBe(200);

    const replay = await refresh(first.body.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');

    expect(await fhirStatus(second.body.access_token)).toBe(401);
    expect(await fhirStatus(first.body.access_token)).toBe(401);
    expect((await refresh(second.body.refresh_token)).body.error).toBe('invalid_grant');
    expect((await introspectAs('rs', RS_SECRET, second.body.access_token)).body).toEqual({ active: false });
  });
  it('leaves other grants of the same user and app alone', async () => {
    const victim = await tokensFor(s, {}, { patient: alice });
    const bystander = await tokensFor(s, {}, { patient: alice });
    const rotated = await refresh(victim.body.refresh_token);
    expect(rotated.status).toBe(200);
    expect((await refresh(victim.body.refresh_token)).status).toBe(400);
    expect(await fhirStatus(rotated.body.access_token)).toBe(401);
    expect(await fhirStatus(bystander.body.access_token)).toBe(200);
    expect((await refresh(bystander.body.refresh_token)).status).toBe(200);
  });
  it('two concurrent uses of one refresh token count as a replay: one answer, then the grant is revoked', async () => {
    const tokens = await tokensFor(s, {}, { patient: alice });
    const answers = await Promise.all([refresh(tokens.body.refresh_token), refresh(tokens.body.refresh_token)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    const winner = answers.find((a) => a.status === 200) as request.Response;
    expect(await fhirStatus(winner.body.access_token)).toBe(401);
    expect((await refresh(winner.body.refresh_token)).body.error).toBe('invalid_grant');
  });
  it('a refresh token presented by another client revokes nothing', async () => {
    const tokens = await tokensFor(s, {}, { patient: alice });
    const stolen = await request(s.app).post('/auth/token').auth('other', OTHER_SECRET).type('form').send({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token });
    expect(stolen.body.error).toBe('invalid_grant');
    expect(await fhirStatus(tokens.body.access_token)).toBe(200);
    expect((await refresh(tokens.body.refresh_token)).status).toBe(200);
  });
});

describe('backend-service token lifetime', () => {
  const clientCredentials = (server: AuthServer) =>
    request(server.app).post('/auth/token').auth('admin', ADMIN_SECRET).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
  it('is 300 s by default while user tokens keep their hour', async () => {
    const backend = await clientCredentials(s);
    expect(backend.status).toBe(200);
    expect(backend.body.expires_in).toBe(300);
    const introspected = await introspectAs('admin', ADMIN_SECRET, backend.body.access_token);
    expect(introspected.body.exp - introspected.body.iat).toBe(300);
    const user = await tokensFor(s, {}, { patient: alice });
    expect(user.body.expires_in).toBe(3600);
  });
  it('follows BACKEND_TOKEN_LIFETIME_SECONDS, refusing nonsense at start', async () => {
    const previous = process.env.BACKEND_TOKEN_LIFETIME_SECONDS;
    process.env.BACKEND_TOKEN_LIFETIME_SECONDS = '120';
    const other = await startAuthServer();
    try {
      expect((await clientCredentials(other)).body.expires_in).toBe(120);
      process.env.BACKEND_TOKEN_LIFETIME_SECONDS = 'forever';
      await expect(startAuthServer()).rejects.toThrow(/BACKEND_TOKEN_LIFETIME_SECONDS/);
    } finally {
      if (previous === undefined) delete process.env.BACKEND_TOKEN_LIFETIME_SECONDS;
      else process.env.BACKEND_TOKEN_LIFETIME_SECONDS = previous;
      await other.close();
    }
  });
});

describe('introspection', () => {
  it("a client other than the token's own learns nothing: exactly {active:false}", async () => {
    const tokens = await tokensFor(s, {}, { patient: alice });
    expect((await introspectAs('other', OTHER_SECRET, tokens.body.access_token)).body).toEqual({ active: false });
  });
  it('a client learns about its own tokens', async () => {
    const own = await tokensFor(s, { client_id: 'other' }, { patient: alice }, { client_secret: OTHER_SECRET });
    expect(own.status).toBe(200);
    const res = await introspectAs('other', OTHER_SECRET, own.body.access_token);
    expect(res.body).toMatchObject({ active: true, client_id: 'other' });
  });
  it('designated resource servers and the admin learn about any token', async () => {
    const tokens = await tokensFor(s, {}, { patient: alice });
    expect((await introspectAs('rs', RS_SECRET, tokens.body.access_token)).body).toMatchObject({ active: true, client_id: 'app' });
    expect((await introspectAs('admin', ADMIN_SECRET, tokens.body.access_token)).body).toMatchObject({ active: true, client_id: 'app' });
    const byToken = await request(s.app).post('/auth/introspect').set('Authorization', `Bearer ${s.adminToken}`).type('form').send({ token: tokens.body.access_token });
    expect(byToken.body.active).toBe(true);
  });
  it('AUTH_INTROSPECTION_CLIENTS designates resource servers', async () => {
    const previous = process.env.AUTH_INTROSPECTION_CLIENTS;
    process.env.AUTH_INTROSPECTION_CLIENTS = 'gateway, other';
    const other = await startAuthServer();
    try {
      await admin(other, '/clients', { client_id: 'gateway', type: 'confidential-symmetric', client_secret: RS_SECRET, redirect_uris: [REDIRECT] });
      const backend = await request(other.app).post('/auth/token').auth('admin', ADMIN_SECRET).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
      const res = await request(other.app).post('/auth/introspect').auth('gateway', RS_SECRET).type('form').send({ token: backend.body.access_token });
      expect(res.body).toMatchObject({ active: true, client_id: 'admin' });
    } finally {
      if (previous === undefined) delete process.env.AUTH_INTROSPECTION_CLIENTS;
      else process.env.AUTH_INTROSPECTION_CLIENTS = previous;
      await other.close();
    }
  });
});
