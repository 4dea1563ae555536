import type { AuditEvent } from 'fhir/r4';
import request from 'supertest';
import { admin, browse, authorizeQuery, registerBasics, tokensFor } from '../auth/harness';
import { clientAgent, entityRefs, eventsOf, startAuditedServer, subtypeOf, userAgent, type AuditedServer } from './harness';

/** One authorization event → one AuditEvent (login, consent, token issue/refresh/revoke/introspect, admin changes). */
let s: AuditedServer;
let patient: string;

beforeAll(async () => {
  s = await startAuditedServer();
  const created = await request(s.app)
    .post('/fhir/Patient')
    .set('Authorization', `Bearer ${s.adminToken}`)
    .set('Content-Type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Consenting' }] }));
  patient = created.body.id as string;
  await registerBasics(s, patient);
}, 180_000);
afterAll(() => s.close());

const bySubtype = (events: AuditEvent[], code: string) => {
  const found = events.filter((e) => subtypeOf(e) === code);
  expect(found).toHaveLength(1);
  return found[0] as AuditEvent;
};
const scopeOf = (e: AuditEvent) => e.entity?.flatMap((x) => x.detail ?? []).find((d) => d.type === 'scope')?.valueString;

describe('authorization events', () => {
  it('sign-in, consent and token issue: one event each, with user, client and patient, and no secret', async () => {
    let tokens: request.Response | undefined;
    const events = await eventsOf(s.store, async () => {
      tokens = await tokensFor(s, {}, { patient });
    });
    expect(tokens?.status).toBe(200);
    expect(events).toHaveLength(3);
    const login = bySubtype(events, '110122');
    expect(login.type.code).toBe('110114');
    expect([login.action, login.outcome]).toEqual(['E', '0']);
    expect(userAgent(login)?.who?.reference).toBe('Practitioner/dr1');
    expect(userAgent(login)?.altId).toBe('dr');
    const consent = bySubtype(events, 'consent');
    expect(consent.outcome).toBe('0');
    expect(clientAgent(consent)?.who?.identifier?.value).toBe('app');
    expect(userAgent(consent)?.who?.reference).toBe('Practitioner/dr1');
    expect(entityRefs(consent)).toEqual([`Patient/${patient}`]);
    const issued = bySubtype(events, 'token-issue');
    expect(issued.outcome).toBe('0');
    expect(clientAgent(issued)?.who?.identifier?.value).toBe('app');
    expect(entityRefs(issued)).toEqual([`Patient/${patient}`]);
    expect(scopeOf(issued)).toBe(tokens?.body.scope);
    const text = JSON.stringify(events);
    for (const secret of [tokens?.body.access_token, tokens?.body.refresh_token, tokens?.body.id_token, 'practitioner-pass']) {
      expect(text).not.toContain(secret as string);
    }
    expect(text).not.toContain('/interaction/');
  });

  it('a failed sign-in: outcome 4 with the name typed, never the password', async () => {
    const events = await eventsOf(s.store, () => browse(s, authorizeQuery(s), { password: 'wrong-password-123' }).catch(() => undefined));
    const login = bySubtype(events, '110122');
    expect([login.outcome, login.outcomeDesc]).toEqual(['4', 'HTTP 401']);
    expect(userAgent(login)?.altId).toBe('dr');
    expect(userAgent(login)?.who?.reference).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('wrong-password-123');
  });

  it('a denied consent: outcome 4, access denied by the user', async () => {
    const events = await eventsOf(s.store, () => browse(s, authorizeQuery(s), { patient, decision: 'deny' }));
    const consent = bySubtype(events, 'consent');
    expect([consent.outcome, consent.outcomeDesc]).toEqual(['4', 'access denied by the user']);
  });

  it('refresh (and a replayed refresh token), introspection and revocation', async () => {
    const first = await tokensFor(s, {}, { patient });
    const refresh = () => request(s.app).post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'app' });
    const refreshed = await eventsOf(s.store, () => refresh().expect(200));
    expect([subtypeOf(refreshed[0] as AuditEvent), (refreshed[0] as AuditEvent).outcome]).toEqual(['token-refresh', '0']);
    const replayed = await eventsOf(s.store, () => refresh().expect(400));
    expect([subtypeOf(replayed[0] as AuditEvent), (replayed[0] as AuditEvent).outcome, (replayed[0] as AuditEvent).outcomeDesc]).toEqual([
      'token-refresh',
      '4',
      'HTTP 400 invalid_grant',
    ]);

    // the replay revoked that whole grant (RFC 9700 §4.14.2): introspect a token of a new one
    const second = await tokensFor(s, {}, { patient });
    const introspected = await eventsOf(s.store, () =>
      request(s.app).post('/auth/introspect').set('Authorization', `Bearer ${s.adminToken}`).type('form').send({ token: second.body.access_token }).expect(200),
    );
    expect(introspected).toHaveLength(1);
    expect([subtypeOf(introspected[0] as AuditEvent), (introspected[0] as AuditEvent).outcomeDesc]).toEqual(['token-introspect', 'active token']);

    const revoked = await eventsOf(s.store, () => request(s.app).post('/auth/revoke').type('form').send({ token: first.body.access_token, client_id: 'app' }).expect(200));
    expect(revoked).toHaveLength(1);
    expect([subtypeOf(revoked[0] as AuditEvent), clientAgent(revoked[0] as AuditEvent)?.who?.identifier?.value]).toEqual(['token-revoke', 'app']);
    expect(JSON.stringify([...refreshed, ...replayed, ...introspected, ...revoked])).not.toContain(first.body.access_token);
  });

  it('a refused backend token request: outcome 4 naming the client, not the secret', async () => {
    const events = await eventsOf(s.store, () =>
      request(s.app).post('/auth/token').auth('admin', 'not-the-admin-secret').type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' }).expect(401),
    );
    expect(events).toHaveLength(1);
    const e = events[0] as AuditEvent;
    expect([subtypeOf(e), e.outcome, clientAgent(e)?.who?.identifier?.value]).toEqual(['token-issue', '4', 'admin']);
    expect(JSON.stringify(e)).not.toContain('not-the-admin-secret');
  });

  it('client registration and removal by an admin: Security Alert events naming the client', async () => {
    let secret = '';
    const registered = await eventsOf(s.store, async () => {
      const res = await admin(s, '/clients', { client_id: 'audited-web', type: 'confidential-symmetric', redirect_uris: ['https://web.example.org/cb'] });
      expect(res.status).toBe(201);
      secret = res.body.client_secret as string;
    });
    expect(registered).toHaveLength(1);
    const e = registered[0] as AuditEvent;
    expect([e.type.code, subtypeOf(e), e.action, e.outcome]).toEqual(['110113', 'client-register', 'C', '0']);
    expect(e.entity?.[0]?.what?.identifier?.value).toBe('audited-web');
    expect(clientAgent(e)?.who?.identifier?.value).toBe('admin');
    expect(JSON.stringify(e)).not.toContain(secret);
    const removed = await eventsOf(s.store, () => request(s.app).delete('/auth/admin/clients/audited-web').set('Authorization', `Bearer ${s.adminToken}`).expect(204));
    expect(removed.map((r) => [subtypeOf(r), r.action, r.entity?.[0]?.what?.identifier?.value])).toEqual([['client-delete', 'D', 'audited-web']]);
  });
});
