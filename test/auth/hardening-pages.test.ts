import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { authorizeQuery, createResource, pkce, registerBasics, startAuthServer, type AuthServer } from './harness';

/**
 * Hardening of the sign-in pages and of what reaches the logs: security headers on every HTML
 * page (with a CSP the pages really satisfy), nosniff on API answers, no pending-request id or
 * code in the request log, Secure cookies on https.
 */
let s: AuthServer;
let alice: string;
const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
    done();
  },
});

beforeAll(async () => {
  s = await startAuthServer({ logger: pino({ level: 'info' }, sink) });
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  await registerBasics(s, alice);
});
afterAll(() => s.close());

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

function expectPageHeaders(res: request.Response): void {
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  const csp = res.headers['content-security-policy'] as string;
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  // the page's only inline code is allowed by its hash, and nothing else is inline
  const style = /<style>([\s\S]*?)<\/style>/.exec(res.text)?.[1] ?? '';
  expect(csp).toContain(`'sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}'`);
  expect(res.text).not.toMatch(/<script|\sstyle="|\son[a-z]+="/i);
}

/** Walks authorize → login → picker → consent with one browser, checking every page it shows. */
async function walk(): Promise<{ pages: request.Response[]; rid: string; location: string }> {
  const agent = request.agent(s.app);
  const pages: request.Response[] = [];
  const start = await agent.get('/auth/authorize').query(authorizeQuery(s, {}, pkce()));
  expect(start.status).toBe(303);
  const interaction = start.headers.location as string;
  const rid = interaction.split('/').pop() as string;
  const login = await agent.get(interaction);
  pages.push(login);
  const wrong = await agent.post('/auth/login').type('form').send({ csrf: field(login.text, 'csrf'), next: interaction, username: 'dr', password: 'wrong-password' });
  expect(wrong.status).toBe(401);
  pages.push(wrong);
  const signedIn = await agent.post('/auth/login').type('form').send({ csrf: field(login.text, 'csrf'), next: interaction, username: 'dr', password: 'practitioner-pass' });
  expect(signedIn.status).toBe(303);
  const picker = await agent.get(interaction);
  expect(picker.text).toContain('name="patient"');
  pages.push(picker);
  const picked = await agent.post(`${interaction}/patient`).type('form').send({ csrf: field(picker.text, 'csrf'), patient: alice });
  expect(picked.status).toBe(303);
  const consent = await agent.get(interaction);
  expect(consent.text).toContain('Allow access?');
  pages.push(consent);
  const allowed = await agent.post(`${interaction}/consent`).type('form').send({ csrf: field(consent.text, 'csrf'), decision: 'allow' });
  expect(allowed.status).toBe(303);
  pages.push(await agent.get('/auth/launcher'));
  return { pages, rid, location: allowed.headers.location as string };
}

describe('security headers', () => {
  it('every page of the sign-in flow and the launcher carries them', async () => {
    const { pages } = await walk();
    expect(pages).toHaveLength(5);
    for (const page of pages) expectPageHeaders(page);
  });
  it('error pages carry them too (unknown app, unknown pending request, forged form)', async () => {
    const unknownApp = await request(s.app).get('/auth/authorize').query(authorizeQuery(s, { client_id: 'nobody' }));
    expect(unknownApp.status).toBe(400);
    expectPageHeaders(unknownApp);
    const unknownRequest = await request(s.app).get('/auth/interaction/not-a-request');
    expect(unknownRequest.status).toBe(400);
    expectPageHeaders(unknownRequest);
    const forged = await request(s.app).post('/auth/login').type('form').send({ csrf: 'forged', username: 'dr', password: 'x' });
    expect(forged.status).toBe(403);
    expectPageHeaders(forged);
  });
  it('API answers are never sniffed (FHIR, raw errors, OAuth JSON)', async () => {
    const metadata = await request(s.app).get('/fhir/metadata');
    expect(metadata.headers['x-content-type-options']).toBe('nosniff');
    const unauthorized = await request(s.app).get(`/fhir/Patient/${alice}`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers['x-content-type-options']).toBe('nosniff');
    const token = await request(s.app).post('/auth/token').type('form').send({ grant_type: 'client_credentials' });
    expect(token.status).toBe(401);
    expect(token.headers['x-content-type-options']).toBe('nosniff');
    // OAuth JSON answers are not HTML pages: no CSP there, but never cached
    expect(token.headers['cache-control']).toBe('no-store');
  });
});

describe('request logs', () => {
  it('never carry the pending-request id, the code or the username of the sign-in flow', async () => {
    logLines.length = 0;
    const { rid, location } = await walk();
    const code = new URL(location).searchParams.get('code') as string;
    expect(rid.length).toBeGreaterThan(20);
    const routes = logLines.map((line) => (JSON.parse(line) as { route?: string }).route).filter((r): r is string => r !== undefined);
    expect(routes).toContain('/auth/interaction/[rid]');
    expect(routes).toContain('/auth/interaction/[rid]/patient');
    expect(routes).toContain('/auth/interaction/[rid]/consent');
    expect(routes).toContain('/auth/login');
    for (const line of logLines) {
      expect(line).not.toContain(rid);
      expect(line).not.toContain(code);
      expect(line).not.toContain('practitioner-pass');
    }
  });
  it('mask ids in admin paths and in unknown paths', async () => {
    logLines.length = 0;
    await request(s.app).get('/auth/admin/users/alice').set('Authorization', `Bearer ${s.adminToken}`);
    await request(s.app).get('/auth/interaction/SeCrEtPeNdInGiD123/other/deeper');
    await request(s.app).get('/nowhere/AbCdEf0123456789xyzSECRET');
    const text = logLines.join('\n');
    expect(text).toContain('"route":"/auth/admin/users/[id]"');
    expect(text).toContain('"route":"/auth/interaction/[rid]/[?]"');
    expect(text).toContain('"route":"/nowhere/[?]"');
    expect(text).not.toMatch(/alice|SeCrEtPeNdInGiD123|AbCdEf0123456789xyzSECRET/);
  });
});

describe('cookies', () => {
  const sessionCookie = (res: request.Response) => ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith('telefhir_session=')) ?? '';
  it('are HttpOnly, SameSite=Lax and not Secure on http', async () => {
    const cookie = sessionCookie(await request(s.app).get('/auth/launcher'));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/);
  });
  it('are Secure when BASE_URL is https', async () => {
    const https = await startAuthServer({ auth: { baseUrl: 'https://fhir.example.org/fhir' } });
    try {
      const cookie = sessionCookie(await request(https.app).get('/auth/launcher'));
      expect(cookie).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    } finally {
      await https.close();
    }
  });
});
