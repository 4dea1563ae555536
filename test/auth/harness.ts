import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { createAuthModule } from '../../src/auth';
import type { AuthOptions } from '../../src/auth/config';
import { s256 } from '../../src/auth/crypto';
import type { RawRoute } from '../../src/http/raw-routes';
import type { Logger } from '../../src/log';
import type { DocumentStore } from '../../src/storage/port';
import { makeTestApp, type TestApp } from '../helpers/app';

export const ADMIN_SECRET = 'test-admin-secret-0123456789';

export interface AuthServer {
  app: Express;
  store: DocumentStore;
  /** FHIR base URL (the token audience). */
  base: string;
  origin: string;
  adminToken: string;
  /** Only for live servers. */
  server?: Server;
  close(): Promise<void>;
}

/**
 * The whole HTTP app with AUTH=on. `live` listens on a loopback port so that real clients
 * (fhirclient, Chromium, jwks_uri fetches) can reach it.
 */
export async function startAuthServer(options: { live?: boolean; auth?: Partial<AuthOptions>; logger?: Logger; rawRoutes?: RawRoute[] } = {}): Promise<AuthServer> {
  let server: Server | undefined;
  let origin = 'http://localhost:8080';
  const holder: { app?: Express } = {};
  if (options.live) {
    server = createServer((req, res) => (holder.app ? holder.app(req, res) : res.end()));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const base = `${origin}/fhir`;
  const testApp: TestApp = await makeTestApp({
    settings: { baseUrl: base },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.rawRoutes ? { rawRoutes: options.rawRoutes } : {}),
    auth: (store) => createAuthModule({ store, baseUrl: base, adminClientSecret: ADMIN_SECRET, ...options.auth }),
  });
  holder.app = testApp.app;
  const tokenResponse = await request(testApp.app)
    .post('/auth/token')
    .auth('admin', ADMIN_SECRET)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'telefhir/admin system/*.cruds' });
  if (tokenResponse.status !== 200) throw new Error(`admin token: ${tokenResponse.status} ${JSON.stringify(tokenResponse.body)}`);
  return {
    app: testApp.app,
    store: testApp.store,
    base,
    origin,
    adminToken: tokenResponse.body.access_token as string,
    server,
    close: async () => {
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
      await testApp.close();
    },
  };
}

/** Creates a FHIR resource as the admin client; returns its id. */
export async function createResource(s: AuthServer, resource: Record<string, unknown>): Promise<string> {
  const res = await request(s.app)
    .post(`/fhir/${resource.resourceType as string}`)
    .set('Authorization', `Bearer ${s.adminToken}`)
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify(resource));
  if (res.status !== 201) throw new Error(`create ${resource.resourceType as string}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function admin(s: AuthServer, path: string, body: unknown): Promise<request.Response> {
  return request(s.app).post(`/auth/admin${path}`).set('Authorization', `Bearer ${s.adminToken}`).send(body as object);
}

export const observation = (patient: string, code = '8867-4', category = 'vital-signs') => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

export interface Pkce {
  verifier: string;
  challenge: string;
}
export function pkce(): Pkce {
  const verifier = `verifier-${Math.random().toString(36).slice(2)}-${Date.now()}-abcdefghijklmnopqrstuvwxyz`;
  return { verifier, challenge: s256(verifier) };
}

export const REDIRECT = 'https://app.example.org/callback';

export function authorizeQuery(s: AuthServer, over: Record<string, string | undefined> = {}, p: Pkce = pkce()): Record<string, string> {
  const query: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'app',
    redirect_uri: REDIRECT,
    scope: 'launch/patient patient/*.rs openid fhirUser offline_access',
    state: 'st-123',
    aud: s.base,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    ...over,
  };
  return Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
}

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
const action = (html: string) => /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');

export interface BrowserOptions {
  username?: string;
  password?: string;
  /** The patient picked when the picker shows; the first one otherwise. */
  patient?: string;
  decision?: 'allow' | 'deny';
  /** Sent instead of the page's CSRF token on the picker and consent forms (a forged post). */
  formCsrf?: string;
}

/**
 * A browser following the pages: authorize → login → picker → consent. Returns the final
 * redirect URL (to the app) or throws with the page it stopped on.
 */
export async function browse(s: AuthServer, query: Record<string, string>, o: BrowserOptions = {}): Promise<URL> {
  const agent = request.agent(s.app);
  let res = await agent.get('/auth/authorize').query(query);
  for (let step = 0; step < 8; step++) {
    if (res.status === 303 || res.status === 302) {
      const location = res.headers.location as string;
      if (!location.startsWith('/')) return new URL(location);
      res = await agent.get(location);
      continue;
    }
    const html = res.text;
    const csrf = field(html, 'csrf');
    const target = action(html);
    if (res.status !== 200 || !csrf || !target) throw new Error(`stopped at ${res.status}: ${html.slice(0, 400)}`);
    if (html.includes('name="password"')) {
      res = await agent.post(target).type('form').send({ csrf, next: field(html, 'next'), username: o.username ?? 'dr', password: o.password ?? 'practitioner-pass' });
    } else if (html.includes('name="patient"')) {
      const first = /name="patient" value="([^"]+)"/.exec(html)?.[1];
      res = await agent.post(target).type('form').send({ csrf: o.formCsrf ?? csrf, patient: o.patient ?? first });
    } else {
      res = await agent.post(target).type('form').send({ csrf: o.formCsrf ?? csrf, decision: o.decision ?? 'allow' });
    }
  }
  throw new Error('too many steps');
}

export async function exchange(s: AuthServer, code: string, verifier: string, over: Record<string, string> = {}): Promise<request.Response> {
  return request(s.app)
    .post('/auth/token')
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'app', code_verifier: verifier, ...over });
}

/** Registers the public test app, a practitioner and a patient user (linked to `patientId`). */
export async function registerBasics(s: AuthServer, patientId: string): Promise<void> {
  const responses = await Promise.all([
    admin(s, '/clients', { client_id: 'app', client_name: 'Test App', type: 'public', redirect_uris: [REDIRECT], launch_url: 'https://app.example.org/launch' }),
    admin(s, '/users', { username: 'dr', password: 'practitioner-pass', role: 'practitioner', fhirUser: 'Practitioner/dr1', name: 'Dr Who' }),
    admin(s, '/users', { username: 'alice', password: 'patient-pass', role: 'patient', fhirUser: `Patient/${patientId}` }),
  ]);
  for (const r of responses) if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The full authorization-code dance for `query` overrides; returns the token response. */
export async function tokensFor(s: AuthServer, over: Record<string, string | undefined> = {}, o: BrowserOptions = {}, extra: Record<string, string> = {}) {
  const p = pkce();
  const back = await browse(s, authorizeQuery(s, over, p), o);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.toString()}`);
  return exchange(s, code, p.verifier, { ...(over.client_id ? { client_id: over.client_id } : {}), ...extra });
}
