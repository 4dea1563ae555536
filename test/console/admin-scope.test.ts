import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { admin, startAuthServer, type AuthServer } from '../auth/harness';

/**
 * `telefhir/admin` through an authorization-code flow is for users of role admin only, whatever
 * scope the app was registered with (the console's own client asks for it).
 */
jest.setTimeout(180_000);

const REDIRECT = 'https://app.example/callback';

async function codeFlow(s: AuthServer, user: { username: string; password: string }): Promise<{ scope: string; access_token: string }> {
  const agent = request.agent(s.app);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const start = await agent.get('/auth/authorize').query({
    response_type: 'code',
    client_id: 'power-app',
    redirect_uri: REDIRECT,
    scope: 'openid telefhir/admin user/*.rs',
    state: 'st',
    aud: s.base,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  expect(start.status).toBe(303);
  const interaction = start.headers.location as string;
  const login = await agent.get(interaction);
  const csrf = (html: string) => /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
  const signedIn = await agent.post('/auth/login').type('form').send({ csrf: csrf(login.text), next: interaction, ...user });
  expect(signedIn.status).toBe(303);
  const consent = await agent.get(interaction);
  const action = (/<form method="post" action="([^"]+)"/.exec(consent.text)?.[1] ?? '').replace(/&amp;/g, '&');
  const decided = await agent.post(action).type('form').send({ csrf: csrf(consent.text), decision: 'allow' });
  const location = new URL(decided.headers.location as string);
  const token = await agent
    .post('/auth/token')
    .type('form')
    .send({ grant_type: 'authorization_code', code: location.searchParams.get('code'), redirect_uri: REDIRECT, client_id: 'power-app', code_verifier: verifier });
  expect(token.status).toBe(200);
  return token.body as { scope: string; access_token: string };
}

describe('telefhir/admin by authorization code', () => {
  let s: AuthServer;
  beforeAll(async () => {
    s = await startAuthServer();
    expect((await admin(s, '/clients', { client_id: 'power-app', type: 'public', redirect_uris: [REDIRECT], scope: 'openid telefhir/admin user/*.rs' })).status).toBe(201);
    expect((await admin(s, '/users', { username: 'boss', password: 'boss-password', role: 'admin' })).status).toBe(201);
    expect((await admin(s, '/users', { username: 'doc', password: 'doc-password', role: 'practitioner' })).status).toBe(201);
  });
  afterAll(() => s?.close());

  it('is granted to a user of role admin', async () => {
    expect((await codeFlow(s, { username: 'boss', password: 'boss-password' })).scope.split(' ')).toEqual(expect.arrayContaining(['telefhir/admin', 'user/*.rs']));
  });

  it('is withheld from a practitioner, who keeps the other scopes and cannot reach the admin API', async () => {
    const token = await codeFlow(s, { username: 'doc', password: 'doc-password' });
    const scope = token.scope.split(' ');
    expect(scope).not.toContain('telefhir/admin');
    expect(scope).toContain('user/*.rs');
    const refused = await request(s.app).get('/auth/admin/clients').set('Authorization', `Bearer ${token.access_token}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
  });
});
