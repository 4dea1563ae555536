import type { Patient } from 'fhir/r4';
import { findMatches } from '../../src/fhir/search/api';
import { call, openTestContext, type TestServer } from './helpers';

/**
 * Conditional create/update/delete/patch rely on the search module's findMatches. Until that
 * engine lands (its first cut throws "not implemented"), these tests are skipped, not faked.
 */
const searchReady = !String(findMatches).includes('not implemented');
const describeWhenSearch = searchReady ? describe : describe.skip;

let server: TestServer;
beforeAll(async () => {
  server = await openTestContext();
});
afterAll(() => server.close());

const withIdentifier = (value: string, over: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: 'http://example.org/mrn', value }],
  ...over,
});
const criteria = (value: string) => `identifier=${encodeURIComponent(`http://example.org/mrn|${value}`)}`;

describe('conditional criteria are required', () => {
  it('refuses conditional update/delete/patch without criteria and If-None-Exist without criteria (400)', async () => {
    expect((await call(server.ctx, 'PUT', 'Patient', { body: withIdentifier('x') })).status).toBe(400);
    expect((await call(server.ctx, 'DELETE', 'Patient?_format=json')).status).toBe(400);
    const patch = await call(server.ctx, 'PATCH', 'Patient', { body: [], headers: { 'content-type': 'application/json-patch+json' } });
    expect(patch.status).toBe(400);
    expect((await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('x'), headers: { 'if-none-exist': '' } })).status).toBe(400);
    expect((await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('x'), headers: { 'if-none-exist': 'Observation?code=1' } })).status).toBe(400);
  });
});

describeWhenSearch('conditional interactions with 0, 1 and 2 matches', () => {
  it('conditional create: 0 → 201, 1 → 200 with the existing resource, 2 → 412', async () => {
    const first = await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('c1'), headers: { 'if-none-exist': criteria('c1') } });
    expect(first.status).toBe(201);
    const again = await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('c1'), headers: { 'if-none-exist': criteria('c1') } });
    expect([again.status, again.body.id]).toEqual([200, first.body.id]);
    await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('c1') });
    expect((await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('c1'), headers: { 'if-none-exist': criteria('c1') } })).status).toBe(412);
  });

  it('conditional update: 0 → create, 1 → update it, 2 → 412', async () => {
    const created = await call(server.ctx, 'PUT', `Patient?${criteria('u1')}`, { body: withIdentifier('u1') });
    expect(created.status).toBe(201);
    const updated = await call(server.ctx, 'PUT', `Patient?${criteria('u1')}`, { body: withIdentifier('u1', { active: true }) });
    expect([updated.status, updated.body.id, updated.body.meta.versionId]).toEqual([200, created.body.id, '2']);
    const wrongId = await call(server.ctx, 'PUT', `Patient?${criteria('u1')}`, { body: withIdentifier('u1', { id: 'other' }) });
    expect(wrongId.status).toBe(400);
    await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('u1') });
    expect((await call(server.ctx, 'PUT', `Patient?${criteria('u1')}`, { body: withIdentifier('u1') })).status).toBe(412);
  });

  it('conditional delete: 0 → 204, 1 → deleted, 2 → 412', async () => {
    expect((await call(server.ctx, 'DELETE', `Patient?${criteria('d-none')}`)).status).toBe(204);
    const one = await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('d1') });
    expect((await call(server.ctx, 'DELETE', `Patient?${criteria('d1')}`)).status).toBe(204);
    expect((await call(server.ctx, 'GET', `Patient/${one.body.id}`)).status).toBe(410);
    await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('d2') });
    await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('d2') });
    expect((await call(server.ctx, 'DELETE', `Patient?${criteria('d2')}`)).status).toBe(412);
  });

  it('conditional patch: 0 → 404, 1 → patched, 2 → 412', async () => {
    const ops = { body: [{ op: 'add', path: '/active', value: true }], headers: { 'content-type': 'application/json-patch+json' } };
    expect((await call(server.ctx, 'PATCH', `Patient?${criteria('p-none')}`, ops)).status).toBe(404);
    await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('p1') });
    const patched = await call(server.ctx, 'PATCH', `Patient?${criteria('p1')}`, ops);
    expect([patched.status, patched.body.active]).toEqual([200, true]);
    await call(server.ctx, 'POST', 'Patient', { body: withIdentifier('p1') });
    expect((await call(server.ctx, 'PATCH', `Patient?${criteria('p1')}`, ops)).status).toBe(412);
  });
});
