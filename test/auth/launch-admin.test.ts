import request from 'supertest';
import { admin, authorizeQuery, browse, createResource, exchange, pkce, REDIRECT, registerBasics, startAuthServer, type AuthServer } from './harness';

let s: AuthServer;
let alice: string;
let encounter: string;
beforeAll(async () => {
  s = await startAuthServer();
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  encounter = await createResource(s, { resourceType: 'Encounter', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' }, subject: { reference: `Patient/${alice}` } });
  await registerBasics(s, alice);
});
afterAll(() => s.close());

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

describe('EHR launch', () => {
  it('the launcher page sends a signed-in practitioner to the app with iss and launch; the token carries the context', async () => {
    const agent = request.agent(s.app);
    const loginPage = await agent.get('/auth/launcher');
    expect(loginPage.text).toContain('name="password"');
    const loggedIn = await agent.post('/auth/login').type('form').send({ csrf: field(loginPage.text, 'csrf'), next: '/auth/launcher', username: 'dr', password: 'practitioner-pass' });
    expect(loggedIn.status).toBe(303);
    const launcher = await agent.get('/auth/launcher');
    expect(launcher.text).toContain('Test App');
    const csrf = field(launcher.text, 'csrf');
    const noCsrf = await agent.post('/auth/launcher').type('form').send({ client_id: 'app', patient: alice });
    expect(noCsrf.status).toBe(403);
    const launched = await agent.post('/auth/launcher').type('form').send({ csrf, client_id: 'app', patient: alice, encounter });
    expect(launched.status).toBe(303);
    const target = new URL(launched.headers.location as string);
    expect(target.origin + target.pathname).toBe('https://app.example.org/launch');
    expect(target.searchParams.get('iss')).toBe(s.base);
    const launch = target.searchParams.get('launch') as string;

    const p = pkce();
    const back = await browse(s, authorizeQuery(s, { launch, scope: 'launch openid fhirUser patient/*.rs launch/encounter' }, p));
    const res = await exchange(s, back.searchParams.get('code') as string, p.verifier);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ patient: alice, encounter, need_patient_banner: true });
    expect(res.body.scope.split(' ')).toEqual(expect.arrayContaining(['launch', 'launch/encounter', 'patient/*.rs']));
  });

  it('POST /auth/launch needs an admin or practitioner token and an existing patient', async () => {
    expect((await request(s.app).post('/auth/launch').send({ patient: alice })).status).toBe(401);
    const missing = await request(s.app).post('/auth/launch').set('Authorization', `Bearer ${s.adminToken}`).send({ patient: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
    const ok = await request(s.app).post('/auth/launch').set('Authorization', `Bearer ${s.adminToken}`).send({ patient: `Patient/${alice}`, client_id: 'app' });
    expect(ok.status).toBe(201);
    expect(ok.body.launch_url).toContain(`launch=${ok.body.launch}`);
  });

  it('a launch bound to another client gives no code', async () => {
    await admin(s, '/clients', { client_id: 'other-app', type: 'public', redirect_uris: [REDIRECT] });
    const ok = await request(s.app).post('/auth/launch').set('Authorization', `Bearer ${s.adminToken}`).send({ patient: alice, client_id: 'other-app' });
    const res = await request(s.app).get('/auth/authorize').query(authorizeQuery(s, { launch: ok.body.launch, scope: 'launch patient/*.rs' }));
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('patient users cannot use the launcher', async () => {
    const agent = request.agent(s.app);
    const page = await agent.get('/auth/launcher');
    await agent.post('/auth/login').type('form').send({ csrf: field(page.text, 'csrf'), next: '/auth/launcher', username: 'alice', password: 'patient-pass' });
    expect((await agent.get('/auth/launcher')).status).toBe(403);
  });
});

describe('pages', () => {
  it('the login form refuses a missing CSRF token and an off-site next', async () => {
    const agent = request.agent(s.app);
    const page = await agent.get('/auth/launcher');
    expect((await agent.post('/auth/login').type('form').send({ username: 'dr', password: 'practitioner-pass' })).status).toBe(403);
    const res = await agent.post('/auth/login').type('form').send({ csrf: field(page.text, 'csrf'), next: 'https://evil.example.org/', username: 'dr', password: 'practitioner-pass' });
    expect(res.headers.location).toBe('/auth/launcher');
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);
  });
  it('a pending request cannot be continued from another browser', async () => {
    const first = await request(s.app).get('/auth/authorize').query(authorizeQuery(s));
    const other = await request(s.app).get(first.headers.location as string);
    expect(other.status).toBe(400);
  });
  it('pages are accessible HTML with a viewport and labelled fields', async () => {
    const res = await request(s.app).get('/auth/launcher');
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('name="viewport"');
    expect(res.text).toContain('<label for="username">');
  });
});

describe('admin API', () => {
  it('requires the admin scope', async () => {
    expect((await request(s.app).get('/auth/admin/clients')).status).toBe(401);
    const system = await request(s.app).post('/auth/token').auth('admin', 'test-admin-secret-0123456789').type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
    const res = await request(s.app).get('/auth/admin/clients').set('Authorization', `Bearer ${system.body.access_token}`);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
  });
  it('registers, lists and deletes clients and users; secrets are returned once and never listed', async () => {
    const created = await admin(s, '/clients', { client_id: 'sym', type: 'confidential-symmetric', redirect_uris: ['https://sym.example.org/cb'] });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toEqual(expect.any(String));
    const list = await request(s.app).get('/auth/admin/clients').set('Authorization', `Bearer ${s.adminToken}`);
    expect(list.body.map((c: { client_id: string }) => c.client_id)).toContain('sym');
    expect(JSON.stringify(list.body)).not.toContain(created.body.client_secret);
    expect(JSON.stringify(list.body)).not.toContain('secretHash');
    expect((await admin(s, '/clients', { client_id: 'sym', type: 'public', redirect_uris: ['https://x.example.org'] })).status).toBe(409);
    expect((await request(s.app).delete('/auth/admin/clients/sym').set('Authorization', `Bearer ${s.adminToken}`)).status).toBe(204);
    const users = await request(s.app).get('/auth/admin/users').set('Authorization', `Bearer ${s.adminToken}`);
    expect(JSON.stringify(users.body)).not.toMatch(/passwordHash|scrypt/);
  });
  it('validates registrations', async () => {
    for (const bad of [
      { type: 'weird', redirect_uris: ['https://a.example.org'] },
      { type: 'public' },
      { type: 'public', redirect_uris: ['not a url'] },
      { type: 'backend' },
      { type: 'backend', jwks: { keys: [{ kty: 'RSA', d: 'private!' }] } },
    ]) {
      const res = await admin(s, '/clients', bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    expect((await admin(s, '/users', { username: 'p2', password: 'short', role: 'patient', fhirUser: 'Patient/1' })).status).toBe(400);
    expect((await admin(s, '/users', { username: 'p2', password: 'long-enough', role: 'patient' })).status).toBe(400);
  });
});
