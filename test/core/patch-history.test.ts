import type { Patient } from 'fhir/r4';
import { applyPatch, parsePatchDocument } from '../../src/fhir/interactions/json-patch';
import { FhirError } from '../../src/fhir/outcome';
import { call, openTestContext, type TestServer } from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await openTestContext();
});
afterAll(() => server.close());

const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

async function newPatient(over: Partial<Patient> = {}) {
  const res = await call(server.ctx, 'POST', 'Patient', { body: { resourceType: 'Patient', name: [{ family: 'A', given: ['x'] }], ...over } });
  return res.body as Patient & { id: string };
}

describe('JSON Patch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2, 3] }, c: 'x' };
  const run = (ops: unknown) => applyPatch(doc as Record<string, unknown> & typeof doc, parsePatchDocument(ops));
  const status = (fn: () => unknown) => {
    try {
      fn();
      return 0;
    } catch (e) {
      return (e as FhirError).status;
    }
  };

  it('applies add, remove, replace, move, copy and test without touching the input', () => {
    expect(run([{ op: 'add', path: '/a/b/1', value: 9 }])).toEqual({ a: { b: [1, 9, 2, 3] }, c: 'x' });
    expect(run([{ op: 'add', path: '/a/b/-', value: 4 }]).a.b).toEqual([1, 2, 3, 4]);
    expect(run([{ op: 'remove', path: '/a/b/0' }]).a.b).toEqual([2, 3]);
    expect(run([{ op: 'replace', path: '/c', value: 'y' }]).c).toBe('y');
    expect(run([{ op: 'move', from: '/c', path: '/d' }])).toEqual({ a: { b: [1, 2, 3] }, d: 'x' });
    expect(run([{ op: 'copy', from: '/a/b/2', path: '/e' }]).e).toBe(3);
    expect(run([{ op: 'test', path: '/a', value: { b: [1, 2, 3] } }])).toEqual(doc);
    expect(doc).toEqual({ a: { b: [1, 2, 3] }, c: 'x' });
  });

  it('refuses malformed documents with 400 and inapplicable operations with 422', () => {
    expect(status(() => run({ op: 'add' }))).toBe(400);
    expect(status(() => run([{ op: 'frobnicate', path: '/a' }]))).toBe(400);
    expect(status(() => run([{ op: 'add', path: 'a', value: 1 }]))).toBe(400);
    expect(status(() => run([{ op: 'replace', path: '/a' }]))).toBe(400);
    expect(status(() => run([{ op: 'move', path: '/a' }]))).toBe(400);
    expect(status(() => run([{ op: 'test', path: '/c', value: 'z' }]))).toBe(422);
    expect(status(() => run([{ op: 'remove', path: '/zz' }]))).toBe(422);
    expect(status(() => run([{ op: 'replace', path: '/a/b/3', value: 1 }]))).toBe(422);
    expect(status(() => run([{ op: 'add', path: '/a/b/7', value: 1 }]))).toBe(422);
    expect(status(() => run([{ op: 'add', path: '/q/r', value: 1 }]))).toBe(422);
    expect(status(() => run([{ op: 'move', from: '/a', path: '/a/x' }]))).toBe(422);
  });
});

describe('patch interaction', () => {
  it('patches, bumps the version and re-validates the result', async () => {
    const p = await newPatient();
    const res = await call(server.ctx, 'PATCH', `Patient/${p.id}`, {
      body: [
        { op: 'test', path: '/name/0/family', value: 'A' },
        { op: 'replace', path: '/name/0/family', value: 'B' },
        { op: 'add', path: '/active', value: true },
      ],
      headers: JSON_PATCH,
    });
    expect(res.status).toBe(200);
    expect(res.body.name[0].family).toBe('B');
    expect(res.body.active).toBe(true);
    expect(res.body.meta.versionId).toBe('2');
    const invalid = await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: [{ op: 'add', path: '/active', value: 'yes' }], headers: JSON_PATCH });
    expect(invalid.status).toBe(422);
    expect(invalid.body.issue[0].expression).toEqual(['Patient.active']);
  });

  it('refuses a failed test (422), changing id or resourceType (400), other media types (415)', async () => {
    const p = await newPatient();
    expect((await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: [{ op: 'test', path: '/gender', value: 'x' }], headers: JSON_PATCH })).status).toBe(422);
    expect((await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: [{ op: 'replace', path: '/id', value: 'other' }], headers: JSON_PATCH })).status).toBe(400);
    expect(
      (await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: [{ op: 'replace', path: '/resourceType', value: 'Person' }], headers: JSON_PATCH })).status,
    ).toBe(400);
    const xml = await call(server.ctx, 'PATCH', `Patient/${p.id}`, {
      body: [{ op: 'add', path: '/gender', value: 'other' }],
      headers: { 'content-type': 'application/xml-patch+xml' },
    });
    expect(xml.status).toBe(415);
    expect((await call(server.ctx, 'GET', `Patient/${p.id}`)).body.meta.versionId).toBe('1');
  });

  it('honours If-Match, 404 on missing and 410 on deleted resources, Prefer: return=minimal', async () => {
    const p = await newPatient();
    const ops = [{ op: 'add', path: '/gender', value: 'other' }];
    expect((await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: ops, headers: { ...JSON_PATCH, 'if-match': 'W/"3"' } })).status).toBe(412);
    const minimal = await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: ops, headers: { ...JSON_PATCH, 'if-match': 'W/"1"', prefer: 'return=minimal' } });
    expect([minimal.status, minimal.body, minimal.headers.ETag]).toEqual([200, undefined, 'W/"2"']);
    expect((await call(server.ctx, 'PATCH', 'Patient/missing', { body: ops, headers: JSON_PATCH })).status).toBe(404);
    await call(server.ctx, 'DELETE', `Patient/${p.id}`);
    expect((await call(server.ctx, 'PATCH', `Patient/${p.id}`, { body: ops, headers: JSON_PATCH })).status).toBe(410);
  });
});

describe('history', () => {
  it('lists instance versions newest first with request/response details, deletions without resource', async () => {
    const p = await newPatient();
    await call(server.ctx, 'PUT', `Patient/${p.id}`, { body: { ...p, active: true } });
    await call(server.ctx, 'DELETE', `Patient/${p.id}`);
    const res = await call(server.ctx, 'GET', `Patient/${p.id}/_history`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('history');
    expect(res.body.total).toBe(3);
    const entries = res.body.entry;
    expect(entries.map((e: { request: { method: string } }) => e.request.method)).toEqual(['DELETE', 'PUT', 'POST']);
    expect(entries[0].resource).toBeUndefined();
    expect(entries[0].response).toMatchObject({ status: '204 No Content', etag: 'W/"3"' });
    expect(entries[1].resource.meta.versionId).toBe('2');
    expect(entries[2]).toMatchObject({ request: { url: 'Patient' }, response: { status: '201 Created', etag: 'W/"1"' } });
    expect(entries[1].fullUrl).toBe(`${server.ctx.settings.baseUrl}/Patient/${p.id}`);
    expect((await call(server.ctx, 'GET', 'Patient/unknown/_history')).status).toBe(404);
  });

  it('pages type and system history with stable next/previous links', async () => {
    const isolated = await openTestContext();
    try {
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push((await call(isolated.ctx, 'POST', 'Patient', { body: { resourceType: 'Patient', gender: 'male' } })).body.id);
      await call(isolated.ctx, 'POST', 'Observation', { body: { resourceType: 'Observation', status: 'final', code: { text: 'w' } } });
      const page = async (url: string) => {
        const relative = url.replace(`${isolated.ctx.settings.baseUrl}/`, '');
        return (await call(isolated.ctx, 'GET', relative)).body;
      };
      const first = await page('Patient/_history?_count=2');
      expect(first.total).toBe(5);
      const link = (b: { link: Array<{ relation: string; url: string }> }, rel: string) => b.link.find((l) => l.relation === rel)?.url;
      expect(link(first, 'previous')).toBeUndefined();
      // a write between pages must not shift the pages
      await call(isolated.ctx, 'POST', 'Patient', { body: { resourceType: 'Patient' } });
      const second = await page(link(first, 'next') as string);
      const third = await page(link(second, 'next') as string);
      expect(link(third, 'next')).toBeUndefined();
      const seen = [first, second, third].flatMap((b) => b.entry.map((e: { resource: { id: string } }) => e.resource.id));
      // versions written in the same millisecond are ordered by id: compare with the unpaged list
      const all = (await page('Patient/_history?_count=50')).entry.map((e: { resource: { id: string } }) => e.resource.id);
      expect(seen).toEqual(all.slice(1)); // all[0] is the Patient created between the pages
      expect([...seen].sort()).toEqual([...ids].sort());
      const back = await page(link(third, 'previous') as string);
      expect(back.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(second.entry.map((e: { resource: { id: string } }) => e.resource.id));
      const system = await page('_history?_count=50');
      expect(system.entry).toHaveLength(7);
      expect(system.entry.some((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Observation')).toBe(true);
      const systemPaged = [];
      for (let url: string | undefined = '_history?_count=3'; url; ) {
        const b = await page(url);
        systemPaged.push(...b.entry.map((e: { fullUrl: string }) => e.fullUrl));
        url = link(b, 'next');
      }
      expect(systemPaged).toEqual(system.entry.map((e: { fullUrl: string }) => e.fullUrl));
    } finally {
      await isolated.close();
    }
  });

  it('filters with _since and rejects bad parameters', async () => {
    const p = await newPatient();
    const future = new Date(Date.now() + 60000).toISOString();
    const none = await call(server.ctx, 'GET', `Patient/${p.id}/_history?_since=${encodeURIComponent(future)}`);
    expect(none.body.entry).toHaveLength(0);
    const past = await call(server.ctx, 'GET', `Patient/${p.id}/_history?_since=2000-01-01T00:00:00Z`);
    expect(past.body.entry).toHaveLength(1);
    expect((await call(server.ctx, 'GET', 'Patient/_history?_since=yesterday')).status).toBe(400);
    expect((await call(server.ctx, 'GET', 'Patient/_history?_count=-1')).status).toBe(400);
    expect((await call(server.ctx, 'GET', 'Patient/_history?_cursor=garbage')).status).toBe(400);
  });
});
