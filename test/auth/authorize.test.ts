import request from 'supertest';
import { authorizeQuery, browse, createResource, exchange, observation, pkce, REDIRECT, registerBasics, startAuthServer, type AuthServer } from './harness';

let s: AuthServer;
let alice: string;
let bob: string;
beforeAll(async () => {
  s = await startAuthServer();
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  bob = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Bob' }] });
  await createResource(s, observation(alice));
  await createResource(s, observation(bob));
  await registerBasics(s, alice);
});
afterAll(() => s.close());

/** An error page: 400 HTML, no redirect anywhere. */
async function expectErrorPage(query: Record<string, string>) {
  const res = await request(s.app).get('/auth/authorize').query(query);
  expect(res.status).toBe(400);
  expect(res.headers.location).toBeUndefined();
  expect(res.headers['content-type']).toMatch(/text\/html/);
  return res;
}

describe('standalone launch', () => {
  it('issues a code after login, patient picker and consent; the token reads only that patient', async () => {
    const p = pkce();
    const back = await browse(s, authorizeQuery(s, {}, p), { patient: alice });
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-123');
    const code = back.searchParams.get('code') as string;
    expect(code).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const res = await exchange(s, code, p.verifier);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', patient: alice, need_patient_banner: true });
    expect(typeof res.body.expires_in).toBe('number');
    expect(res.body.scope.split(' ').sort()).toEqual(['fhirUser', 'launch/patient', 'offline_access', 'openid', 'patient/*.rs']);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(res.body.smart_style_url).toEqual(expect.stringContaining('/auth/smart-style.json'));

    const idToken = JSON.parse(Buffer.from(res.body.id_token.split('.')[1], 'base64url').toString());
    expect(idToken).toMatchObject({ iss: s.base, sub: 'dr', aud: 'app', fhirUser: `${s.base}/Practitioner/dr1` });
    expect(typeof idToken.iat).toBe('number');
    expect(typeof idToken.exp).toBe('number');

    const bearer = `Bearer ${res.body.access_token}`;
    const own = await request(s.app).get(`/fhir/Observation?patient=${alice}`).set('Authorization', bearer);
    expect(own.status).toBe(200);
    expect(own.body.entry).toHaveLength(1);
    const all = await request(s.app).get('/fhir/Observation').set('Authorization', bearer);
    expect(all.body.entry).toHaveLength(1);
    expect(all.body.entry[0].resource.subject.reference).toBe(`Patient/${alice}`);
    const other = await request(s.app).get(`/fhir/Observation?patient=Patient/${bob}`).set('Authorization', bearer);
    expect(other.status).toBe(200);
    expect(other.body.entry ?? []).toHaveLength(0);
    expect((await request(s.app).get(`/fhir/Patient/${alice}`).set('Authorization', bearer)).status).toBe(200);
    expect((await request(s.app).get(`/fhir/Patient/${bob}`).set('Authorization', bearer)).status).toBe(404);
    // read-only scope: no writes
    const write = await request(s.app).post('/fhir/Observation').set('Authorization', bearer).set('Content-Type', 'application/fhir+json').send(JSON.stringify(observation(alice)));
    expect(write.status).toBe(403);
  });

  it('gives a patient user their own record without a picker', async () => {
    const p = pkce();
    const back = await browse(s, authorizeQuery(s, {}, p), { username: 'alice', password: 'patient-pass' });
    const res = await exchange(s, back.searchParams.get('code') as string, p.verifier);
    expect(res.status).toBe(200);
    expect(res.body.patient).toBe(alice);
  });

  it('denying consent redirects with access_denied and the state', async () => {
    const back = await browse(s, authorizeQuery(s), { decision: 'deny', patient: alice });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('a picker or consent form posted without the session CSRF token is refused (403), no code', async () => {
    await expect(browse(s, authorizeQuery(s), { patient: alice, formCsrf: 'forged' })).rejects.toThrow(/stopped at 403/);
    // a patient user skips the picker: the forged token reaches the consent form itself
    await expect(browse(s, authorizeQuery(s), { username: 'alice', password: 'patient-pass', formCsrf: 'forged' })).rejects.toThrow(/stopped at 403/);
  });

  it('wrong password shows the login page again with an error', async () => {
    await expect(browse(s, authorizeQuery(s), { password: 'wrong-password' })).rejects.toThrow(/stopped at 401/);
  });

  it('accepts POST /auth/authorize (authorize-post)', async () => {
    const res = await request(s.app).post('/auth/authorize').type('form').send(authorizeQuery(s));
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/auth\/interaction\//);
  });
});

describe('authorization request errors', () => {
  it('aud other than this server → error page, no code, no redirect', async () => {
    const res = await expectErrorPage(authorizeQuery(s, { aud: 'https://evil.example.org/fhir' }));
    expect(res.text).toContain('not this FHIR server');
  });
  it('missing aud → error page', async () => {
    await expectErrorPage(authorizeQuery(s, { aud: undefined }));
  });
  it('unknown client → error page', async () => {
    await expectErrorPage(authorizeQuery(s, { client_id: 'nobody' }));
  });
  it('redirect_uri mismatch → error page', async () => {
    await expectErrorPage(authorizeQuery(s, { redirect_uri: `${REDIRECT}/other` }));
    await expectErrorPage(authorizeQuery(s, { redirect_uri: 'https://APP.example.org/callback' }));
  });

  const redirected = async (over: Record<string, string | undefined>) => {
    const res = await request(s.app).get('/auth/authorize').query(authorizeQuery(s, over));
    expect(res.status).toBe(303);
    const url = new URL(res.headers.location as string);
    expect(url.origin + url.pathname).toBe(REDIRECT);
    expect(url.searchParams.get('code')).toBeNull();
    return url;
  };
  it('plain PKCE is refused', async () => {
    const url = await redirected({ code_challenge_method: 'plain' });
    expect(url.searchParams.get('error')).toBe('invalid_request');
    expect(url.searchParams.get('state')).toBe('st-123');
  });
  it('missing PKCE is refused', async () => {
    expect((await redirected({ code_challenge: undefined, code_challenge_method: undefined })).searchParams.get('error')).toBe('invalid_request');
  });
  it('wrong response_type is refused', async () => {
    expect((await redirected({ response_type: 'token' })).searchParams.get('error')).toBe('unsupported_response_type');
  });
  it('an unknown or altered launch gets no code', async () => {
    expect((await redirected({ launch: 'made-up-launch' })).searchParams.get('error')).toBe('invalid_request');
    const launch = await request(s.app).post('/auth/launch').set('Authorization', `Bearer ${s.adminToken}`).send({ patient: alice });
    expect(launch.status).toBe(201);
    expect((await redirected({ launch: `${launch.body.launch}x` })).searchParams.get('error')).toBe('invalid_request');
  });
  it('scopes that cannot be granted → invalid_scope', async () => {
    expect((await redirected({ scope: 'system/*.cruds telefhir/admin' })).searchParams.get('error')).toBe('invalid_scope');
  });
  it('a repeated parameter → invalid_request', async () => {
    const res = await request(s.app).get(`/auth/authorize?${new URLSearchParams(authorizeQuery(s)).toString()}&scope=openid`);
    expect(res.status).toBe(303);
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('invalid_request');
  });
});

describe('code exchange errors', () => {
  async function freshCode() {
    const p = pkce();
    const back = await browse(s, authorizeQuery(s, {}, p), { patient: alice });
    return { code: back.searchParams.get('code') as string, verifier: p.verifier };
  }
  it('wrong or missing code_verifier → invalid_grant', async () => {
    const a = await freshCode();
    const wrong = await exchange(s, a.code, `${a.verifier}x`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    const b = await freshCode();
    const missing = await request(s.app).post('/auth/token').type('form').send({ grant_type: 'authorization_code', code: b.code, redirect_uri: REDIRECT, client_id: 'app' });
    expect(missing.body.error).toBe('invalid_grant');
  });
  it('a reused code is refused and the tokens it produced are revoked', async () => {
    const a = await freshCode();
    const first = await exchange(s, a.code, a.verifier);
    expect(first.status).toBe(200);
    const again = await exchange(s, a.code, a.verifier);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    const use = await request(s.app).get('/fhir/Observation').set('Authorization', `Bearer ${first.body.access_token}`);
    expect(use.status).toBe(401);
  });
  it('redirect_uri mismatch at the token endpoint → invalid_grant', async () => {
    const a = await freshCode();
    expect((await exchange(s, a.code, a.verifier, { redirect_uri: `${REDIRECT}x` })).body.error).toBe('invalid_grant');
  });
  it('a code for another client → invalid_grant; unknown client → invalid_client', async () => {
    const a = await freshCode();
    await request(s.app).post('/auth/admin/clients').set('Authorization', `Bearer ${s.adminToken}`).send({ client_id: 'other', type: 'public', redirect_uris: [REDIRECT] });
    expect((await exchange(s, a.code, a.verifier, { client_id: 'other' })).body.error).toBe('invalid_grant');
    const unknown = await exchange(s, a.code, a.verifier, { client_id: 'ghost' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
  });
  it('unsupported grant type and non-form bodies are refused', async () => {
    expect((await request(s.app).post('/auth/token').type('form').send({ grant_type: 'password', client_id: 'app' })).body.error).toBe('unsupported_grant_type');
    const json = await request(s.app).post('/auth/token').send({ grant_type: 'authorization_code' });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
  });
});
