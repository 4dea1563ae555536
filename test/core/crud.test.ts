import type { Patient, Resource } from 'fhir/r4';
import { BASE, call, fixture, openTestContext, withoutServerMeta, type TestServer } from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await openTestContext();
});
afterAll(() => server.close());

const patient = (over: Partial<Patient> = {}): Patient => ({ resourceType: 'Patient', name: [{ family: 'Chalmers' }], ...over });

async function created(resource: Resource) {
  const res = await call(server.ctx, 'POST', resource.resourceType, { body: resource });
  expect(res.status).toBe(201);
  return res;
}

describe('create and read round-trip the HL7 examples', () => {
  it.each(['Patient-example.json', 'Encounter-example.json', 'Observation-example.json', 'Appointment-example.json'])('%s', async (name) => {
    const input = fixture(name);
    const res = await created(input);
    const id = res.body.id as string;
    expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(id).not.toBe(input.id); // the server assigns ids on create
    expect(res.headers.Location).toBe(`${BASE}/${input.resourceType}/${id}/_history/1`);
    expect(res.headers.ETag).toBe('W/"1"');
    const read = await call(server.ctx, 'GET', `${input.resourceType}/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.meta.versionId).toBe('1');
    expect(new Date(read.body.meta.lastUpdated).toUTCString()).toBe(read.headers['Last-Modified']);
    expect(withoutServerMeta(read.body)).toEqual({ ...withoutServerMeta(input), id });
  });
});

describe('create', () => {
  it('ignores client meta.versionId and meta.lastUpdated but keeps other meta', async () => {
    const res = await created(patient({ meta: { versionId: '9', lastUpdated: '2001-01-01T00:00:00Z', tag: [{ code: 't' }] } }));
    expect(res.body.meta.versionId).toBe('1');
    expect(res.body.meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
    expect(res.body.meta.tag).toEqual([{ code: 't' }]);
  });

  it('refuses a body of another type (400), a non-resource (400) and invalid content (422)', async () => {
    expect((await call(server.ctx, 'POST', 'Patient', { body: { resourceType: 'Observation' } })).status).toBe(400);
    expect((await call(server.ctx, 'POST', 'Patient', { body: [1] })).status).toBe(400);
    expect((await call(server.ctx, 'POST', 'Patient', { body: { name: 'x' } })).status).toBe(400);
    const invalid = await call(server.ctx, 'POST', 'Patient', { body: patient({ foo: 1 } as Partial<Patient>) });
    expect(invalid.status).toBe(422);
    expect(invalid.body.issue[0].expression).toEqual(['Patient.foo']);
  });

  it('accepts invalid content with a warning outcome in warn mode', async () => {
    const warn = await openTestContext({ settings: { ...server.ctx.settings, validationMode: 'warn' } });
    try {
      const res = await call(warn.ctx, 'POST', 'Patient', { body: patient({ gender: 'robot' } as unknown as Partial<Patient>), headers: { prefer: 'return=OperationOutcome' } });
      expect(res.status).toBe(201);
      expect(res.body.issue[0].expression).toEqual(['Patient.gender']);
    } finally {
      await warn.close();
    }
  });

  it('answers Prefer: return=minimal with no body and return=OperationOutcome with an outcome', async () => {
    const minimal = await call(server.ctx, 'POST', 'Patient', { body: patient(), headers: { prefer: 'return=minimal' } });
    expect(minimal.status).toBe(201);
    expect(minimal.body).toBeUndefined();
    expect(minimal.headers.Location).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    const oo = await call(server.ctx, 'POST', 'Patient', { body: patient(), headers: { prefer: 'return=OperationOutcome' } });
    expect(oo.body.resourceType).toBe('OperationOutcome');
    expect(oo.body.issue[0].severity).toBe('information');
  });
});

describe('read and vread', () => {
  it('returns 404 for an unknown id, 400 for a bad id and 404 for an unknown type', async () => {
    expect((await call(server.ctx, 'GET', 'Patient/nope')).status).toBe(404);
    const bad = await call(server.ctx, 'GET', 'Patient/bad_id!');
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    expect((await call(server.ctx, 'GET', `Patient/${'x'.repeat(65)}`)).status).toBe(400);
    expect((await call(server.ctx, 'GET', 'Unicorn/1')).status).toBe(404);
    expect((await call(server.ctx, 'GET', 'patient/1')).status).toBe(404);
  });

  it('honours If-None-Match and If-Modified-Since with 304', async () => {
    const { body } = await created(patient());
    const notModified = await call(server.ctx, 'GET', `Patient/${body.id}`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
    expect((await call(server.ctx, 'GET', `Patient/${body.id}`, { headers: { 'if-none-match': 'W/"2"' } })).status).toBe(200);
    const later = new Date(Date.now() + 5000).toUTCString();
    const earlier = new Date(Date.now() - 60000).toUTCString();
    expect((await call(server.ctx, 'GET', `Patient/${body.id}`, { headers: { 'if-modified-since': later } })).status).toBe(304);
    expect((await call(server.ctx, 'GET', `Patient/${body.id}`, { headers: { 'if-modified-since': earlier } })).status).toBe(200);
  });

  it('reads every version with vread; unknown versions are 404', async () => {
    const { body } = await created(patient({ gender: 'male' }));
    await call(server.ctx, 'PUT', `Patient/${body.id}`, { body: { ...body, gender: 'female' } });
    const v1 = await call(server.ctx, 'GET', `Patient/${body.id}/_history/1`);
    const v2 = await call(server.ctx, 'GET', `Patient/${body.id}/_history/2`);
    expect([v1.status, v1.body.gender, v1.headers.ETag]).toEqual([200, 'male', 'W/"1"']);
    expect([v2.status, v2.body.gender, v2.headers.ETag]).toEqual([200, 'female', 'W/"2"']);
    expect((await call(server.ctx, 'GET', `Patient/${body.id}/_history/3`)).status).toBe(404);
    expect((await call(server.ctx, 'GET', `Patient/${body.id}/_history/abc`)).status).toBe(404);
    expect((await call(server.ctx, 'GET', `Patient/${body.id}/_history/a_b`)).status).toBe(400);
  });
});

describe('update', () => {
  it('creates on update with the client id (201), then updates (200) with a new version', async () => {
    const first = await call(server.ctx, 'PUT', 'Patient/client-1', { body: patient({ id: 'client-1' }) });
    expect(first.status).toBe(201);
    expect(first.headers.ETag).toBe('W/"1"');
    const second = await call(server.ctx, 'PUT', 'Patient/client-1', { body: patient({ id: 'client-1', active: true }) });
    expect(second.status).toBe(200);
    expect(second.body.meta.versionId).toBe('2');
    expect(second.headers.Location).toBe(`${BASE}/Patient/client-1/_history/2`);
  });

  it('refuses a missing or different body id (400) and a body of another type (400)', async () => {
    expect((await call(server.ctx, 'PUT', 'Patient/u1', { body: patient() })).status).toBe(400);
    expect((await call(server.ctx, 'PUT', 'Patient/u1', { body: patient({ id: 'u2' }) })).status).toBe(400);
    expect((await call(server.ctx, 'PUT', 'Patient/u1', { body: { resourceType: 'Observation', id: 'u1' } })).status).toBe(400);
    expect((await call(server.ctx, 'PUT', 'Patient/u1', { body: 'text' })).status).toBe(400);
  });

  it('checks If-Match: a match updates, a mismatch is 412, a malformed tag is 400', async () => {
    const { body } = await created(patient());
    const ok = await call(server.ctx, 'PUT', `Patient/${body.id}`, { body, headers: { 'if-match': 'W/"1"' } });
    expect(ok.status).toBe(200);
    const stale = await call(server.ctx, 'PUT', `Patient/${body.id}`, { body, headers: { 'if-match': 'W/"1"' } });
    expect(stale.status).toBe(412);
    expect((await call(server.ctx, 'PUT', `Patient/${body.id}`, { body, headers: { 'if-match': 'soon' } })).status).toBe(400);
  });

  it('lets exactly one of two concurrent updates with the same If-Match win', async () => {
    const { body } = await created(patient());
    const attempt = (family: string) =>
      call(server.ctx, 'PUT', `Patient/${body.id}`, { body: { ...body, name: [{ family }] }, headers: { 'if-match': 'W/"1"' } });
    const results = await Promise.all([attempt('A'), attempt('B')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    const read = await call(server.ctx, 'GET', `Patient/${body.id}`);
    expect(read.body.meta.versionId).toBe('2');
  });

  it('returns 422 with expressions for invalid content', async () => {
    const res = await call(server.ctx, 'PUT', 'Patient/u3', { body: patient({ id: 'u3', birthDate: 'yesterday' }) });
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Patient.birthDate']);
  });
});

describe('delete', () => {
  it('deletes logically: read is 410, history keeps the versions, re-create by update works', async () => {
    const { body } = await created(patient());
    const del = await call(server.ctx, 'DELETE', `Patient/${body.id}`);
    expect(del.status).toBe(204);
    expect(del.headers.ETag).toBe('W/"2"');
    const gone = await call(server.ctx, 'GET', `Patient/${body.id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.issue[0].code).toBe('deleted');
    expect((await call(server.ctx, 'GET', `Patient/${body.id}/_history/2`)).status).toBe(410);
    expect((await call(server.ctx, 'GET', `Patient/${body.id}/_history/1`)).status).toBe(200);
    const again = await call(server.ctx, 'DELETE', `Patient/${body.id}`);
    expect(again.status).toBe(204);
    const revived = await call(server.ctx, 'PUT', `Patient/${body.id}`, { body });
    expect(revived.status).toBe(201);
    expect(revived.body.meta.versionId).toBe('3');
  });

  it('succeeds for a resource that never existed and answers OperationOutcome on request', async () => {
    expect((await call(server.ctx, 'DELETE', 'Patient/never-was')).status).toBe(204);
    const oo = await call(server.ctx, 'DELETE', 'Patient/never-was', { headers: { prefer: 'return=OperationOutcome' } });
    expect(oo.status).toBe(200);
    expect(oo.body.resourceType).toBe('OperationOutcome');
  });

  it('honours If-Match on delete', async () => {
    const { body } = await created(patient());
    expect((await call(server.ctx, 'DELETE', `Patient/${body.id}`, { headers: { 'if-match': 'W/"7"' } })).status).toBe(412);
    expect((await call(server.ctx, 'DELETE', `Patient/${body.id}`, { headers: { 'if-match': 'W/"1"' } })).status).toBe(204);
  });
});

describe('routing', () => {
  it('answers 405 with Allow for a method not allowed on a path', async () => {
    const res = await call(server.ctx, 'DELETE', 'metadata');
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('GET');
    expect((await call(server.ctx, 'POST', 'Patient/1')).status).toBe(405);
    expect((await call(server.ctx, 'GET', 'Patient/_search')).status).toBe(405);
    expect((await call(server.ctx, 'PUT', 'Patient/1/_history/1')).status).toBe(405);
  });

  it('answers 404 for unknown paths and 501 for batch until it exists', async () => {
    expect((await call(server.ctx, 'GET', 'Patient/1/_history/1/extra')).status).toBe(404);
    expect((await call(server.ctx, 'GET', 'Patient/1/foo')).status).toBe(404);
    const batch = await call(server.ctx, 'POST', '', { body: { resourceType: 'Bundle', type: 'batch' } });
    expect([501, 200]).toContain(batch.status);
  });

  it('runs write hooks around writes, and a refusing beforeWrite hook stops the write', async () => {
    const events: string[] = [];
    const hooked = await openTestContext({
      beforeWrite: [
        async (e) => {
          events.push(`before:${e.interaction}`);
          if (e.after && (e.after as Patient).active === false) throw new Error('refused');
        },
      ],
      afterWrite: [async (e) => void events.push(`after:${e.interaction}:${e.before ? 'b' : '-'}${e.after ? 'a' : '-'}`)],
    });
    try {
      const { body } = await call(hooked.ctx, 'POST', 'Patient', { body: patient() });
      await call(hooked.ctx, 'PUT', `Patient/${body.id}`, { body });
      await call(hooked.ctx, 'DELETE', `Patient/${body.id}`);
      expect(events).toEqual(['before:create', 'after:create:-a', 'before:update', 'after:update:ba', 'before:delete', 'after:delete:b-']);
      await expect(call(hooked.ctx, 'POST', 'Patient', { body: patient({ active: false }) })).rejects.toThrow('refused');
      expect(await hooked.ctx.store.collection('Patient').countDocuments({})).toBe(1);
    } finally {
      await hooked.close();
    }
  });
});
