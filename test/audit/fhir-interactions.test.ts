import type { AuditEvent } from 'fhir/r4';
import request from 'supertest';
import { ADMIN_SECRET, observation } from '../auth/harness';
import { clientAgent, entityRefs, eventsOf, queryOf, startAuditedServer, subtypeOf, type AuditedServer } from './harness';

/** One FHIR request → one AuditEvent (one per entry of a batch), with BALP's fields. */
let s: AuditedServer;
let patient: string;
let obs: string;
const FHIR = 'application/fhir+json';

beforeAll(async () => {
  s = await startAuditedServer();
  patient = (await call('post', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Audited' }] })).body.id as string;
  obs = (await call('post', '/fhir/Observation', observation(patient))).body.id as string;
}, 180_000);
afterAll(() => s.close());

function call(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: unknown, token = s.adminToken) {
  const req = request(s.app)[method](path).set('Accept', FHIR);
  if (token) req.set('Authorization', `Bearer ${token}`);
  if (body === undefined) return req;
  return req.set('Content-Type', method === 'patch' ? 'application/json-patch+json' : FHIR).send(JSON.stringify(body));
}

async function one(method: Parameters<typeof call>[0], path: string, body?: unknown, status?: number): Promise<AuditEvent> {
  let answered = 0;
  const events = await eventsOf(s.store, async () => {
    answered = (await call(method, path, body)).status;
  });
  if (status !== undefined) expect(answered).toBe(status);
  expect(events).toHaveLength(1);
  return events[0] as AuditEvent;
}

describe('an AuditEvent per FHIR interaction', () => {
  it('read: rest/read, action R, success, the resource, its patient, the client and the server', async () => {
    const e = await one('get', `/fhir/Observation/${obs}`, undefined, 200);
    expect(e.type).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
    expect(e.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }]);
    expect(e.action).toBe('R');
    expect(e.outcome).toBe('0');
    expect(Date.now() - Date.parse(e.recorded)).toBeLessThan(10 * 60_000);
    expect(entityRefs(e)).toEqual([`Observation/${obs}`, `Patient/${patient}`]);
    const client = clientAgent(e);
    expect(client?.who?.identifier?.value).toBe('admin');
    expect(client?.requestor).toBe(true);
    expect(client?.network?.address).toEqual(expect.any(String));
    expect(e.agent.some((a) => a.type?.coding?.[0]?.code === '110152' && a.requestor === false)).toBe(true);
    expect(e.source.observer.identifier?.value).toBe(s.base);
    expect(e.meta?.versionId).toBe('1');
  });

  it('vread, history and search (with its query as entity.query)', async () => {
    expect(entityRefs(await one('get', `/fhir/Observation/${obs}/_history/1`, undefined, 200))).toContain(`Observation/${obs}/_history/1`);
    expect(subtypeOf(await one('get', `/fhir/Observation/${obs}/_history`, undefined, 200))).toBe('history-instance');
    const search = await one('get', `/fhir/Observation?patient=${patient}&code=8867-4`, undefined, 200);
    expect(subtypeOf(search)).toBe('search-type');
    expect(search.action).toBe('R');
    expect(queryOf(search)).toBe(`Observation?patient=${patient}&code=8867-4`);
    expect(entityRefs(search)).toEqual([`Patient/${patient}`]);
    // a credential put in the URL by a careless client is not copied into the trail
    const careless = await one('get', `/fhir/Observation?patient=${patient}&access_token=leaked-token-123`, undefined, 400);
    expect(queryOf(careless)).toBe(`Observation?patient=${patient}`);
    expect(JSON.stringify(careless)).not.toContain('leaked-token-123');
  });

  it('create, update, patch and delete: actions C, U, U, D on the resource', async () => {
    const created = await eventsOf(s.store, () => call('post', '/fhir/Observation', observation(patient)).expect(201));
    expect(created).toHaveLength(1);
    const c = created[0] as AuditEvent;
    expect([subtypeOf(c), c.action, c.outcome]).toEqual(['create', 'C', '0']);
    const ref = entityRefs(c)[0] as string;
    expect(ref).toMatch(/^Observation\//);
    const id = ref.split('/')[1] as string;
    const u = await one('put', `/fhir/Observation/${id}`, { ...observation(patient), id, status: 'amended' }, 200);
    expect([subtypeOf(u), u.action]).toEqual(['update', 'U']);
    const p = await one('patch', `/fhir/Observation/${id}`, [{ op: 'replace', path: '/status', value: 'corrected' }], 200);
    expect([subtypeOf(p), p.action, entityRefs(p)[0]]).toEqual(['patch', 'U', `Observation/${id}`]);
    const d = await one('delete', `/fhir/Observation/${id}`, undefined, 204);
    expect([subtypeOf(d), d.action, entityRefs(d)[0]]).toEqual(['delete', 'D', `Observation/${id}`]);
  });

  it('operations: $everything and $validate are Execute events naming the operation', async () => {
    const everything = await one('get', `/fhir/Patient/${patient}/$everything`, undefined, 200);
    expect(everything.subtype?.map((c) => c.code)).toEqual(['operation', '$everything']);
    expect(everything.action).toBe('E');
    expect(entityRefs(everything)).toContain(`Patient/${patient}`);
    const validate = await one('post', '/fhir/Patient/$validate', { resourceType: 'Patient', gender: 'sometimes' }, 200);
    expect(validate.subtype?.map((c) => c.code)).toEqual(['operation', '$validate']);
  });

  it('a batch: one event for the Bundle and one per entry', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `Patient/${patient}` } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      ],
    };
    const events = await eventsOf(s.store, () => call('post', '/fhir', bundle).expect(200));
    expect(events.map((e) => [subtypeOf(e), e.outcome]).sort()).toEqual([
      ['batch', '0'],
      ['read', '0'],
      ['read', '4'],
    ]);
  });

  it('a failed transaction: its entries are recorded as rolled back', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        { request: { method: 'PUT', url: 'Observation/x1', ifMatch: 'W/"9"' }, resource: { ...observation(patient), id: 'x1' } },
      ],
    };
    const events = await eventsOf(s.store, () => call('post', '/fhir', bundle));
    const transaction = events.find((e) => subtypeOf(e) === 'transaction');
    expect(transaction?.outcome).toBe('4');
    const entries = events.filter((e) => subtypeOf(e) !== 'transaction');
    expect(entries.length).toBeGreaterThanOrEqual(1);
    for (const e of entries) expect(e.outcome).not.toBe('0');
  });

  it('a failed read (404): outcome 4 with the status, never the diagnostics', async () => {
    const e = await one('get', '/fhir/Patient/nobody-here', undefined, 404);
    expect([subtypeOf(e), e.outcome, e.outcomeDesc]).toEqual(['read', '4', 'HTTP 404 not-found']);
    expect(entityRefs(e)).toContain('Patient/nobody-here');
  });

  it('a read refused by the token scopes (403): outcome 4, the resource and the client named', async () => {
    const narrow = await request(s.app)
      .post('/auth/token')
      .auth('admin', ADMIN_SECRET)
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/Observation.rs' });
    expect(narrow.status).toBe(200);
    const events = await eventsOf(s.store, () => call('get', `/fhir/Patient/${patient}`, undefined, narrow.body.access_token as string).expect(403));
    expect(events).toHaveLength(1);
    const e = events[0] as AuditEvent;
    expect([subtypeOf(e), e.action, e.outcome, e.outcomeDesc]).toEqual(['read', 'R', '4', 'HTTP 403 forbidden']);
    expect(entityRefs(e)).toContain(`Patient/${patient}`);
    expect(clientAgent(e)?.who?.identifier?.value).toBe('admin');
  });

  it('a request without a token (401): recorded with the unauthenticated client and its address', async () => {
    const events = await eventsOf(s.store, () => request(s.app).get(`/fhir/Patient/${patient}`).expect(401));
    expect(events).toHaveLength(1);
    const e = events[0] as AuditEvent;
    expect([subtypeOf(e), e.outcome]).toEqual(['read', '4']);
    expect(clientAgent(e)?.who?.display).toBe('unauthenticated client');
    expect(clientAgent(e)?.network?.address).toEqual(expect.any(String));
  });
});

describe('the trail is read-only through the API', () => {
  const auditEvent = { resourceType: 'AuditEvent', type: { code: 'rest' }, recorded: '2026-01-01T00:00:00Z', agent: [{ requestor: true }], source: { observer: { display: 'x' } } };

  it('refuses create, update, conditional update, patch and delete with 405 OperationOutcome', async () => {
    const existing = (await eventsOf(s.store, () => call('get', `/fhir/Patient/${patient}`)))[0] as AuditEvent;
    const attempts = [
      call('post', '/fhir/AuditEvent', auditEvent),
      call('put', `/fhir/AuditEvent/${existing.id}`, { ...auditEvent, id: existing.id }),
      call('put', '/fhir/AuditEvent?action=R', auditEvent),
      call('patch', `/fhir/AuditEvent/${existing.id}`, [{ op: 'replace', path: '/outcome', value: '0' }]),
      call('delete', `/fhir/AuditEvent/${existing.id}`),
      call('delete', '/fhir/AuditEvent?action=R'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(405);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    expect((await call('get', `/fhir/AuditEvent/${existing.id}`).expect(200)).body.outcome).toBe(existing.outcome);
  });

  it('the CapabilityStatement offers AuditEvent for reading and searching only', async () => {
    const metadata = await request(s.app).get('/fhir/metadata').expect(200);
    const entry = (metadata.body.rest[0].resource as Array<{ type: string; interaction: Array<{ code: string }>; conditionalDelete?: string }>).find((r) => r.type === 'AuditEvent');
    expect(entry?.interaction.map((i) => i.code).sort()).toEqual(['read', 'search-type']);
    expect(entry?.conditionalDelete).toBeUndefined();
  });

  it('refuses them inside a batch and a transaction too', async () => {
    const entry = { request: { method: 'POST', url: 'AuditEvent' }, resource: auditEvent };
    const batch = await call('post', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: [entry] }).expect(200);
    expect(batch.body.entry[0].response.status).toMatch(/^405/);
    const transaction = await call('post', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [entry] });
    expect(transaction.status).toBe(405);
  });
});
