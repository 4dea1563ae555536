import type { Bundle } from 'fhir/r4';
import { observation, openClient, post, transaction, type TestClient } from './client';

let client: TestClient;
beforeAll(async () => {
  client = await openClient();
});
afterAll(() => client.close());

const patient = (family: string, identifier?: string) => ({
  resourceType: 'Patient',
  name: [{ family }],
  ...(identifier ? { identifier: [{ system: 'http://example.org/mrn', value: identifier }] } : {}),
});

describe('transaction', () => {
  it('resolves urn:uuid references across entries, including circular ones and nested elements', async () => {
    const bundle = transaction([
      {
        fullUrl: 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000002',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
          subject: { reference: 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000001' },
          participant: [{ individual: { reference: 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000003' } }],
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      post(patient('Chalmers'), 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000001'),
      post({ resourceType: 'Practitioner', name: [{ family: 'Careful' }] } as never, 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000003'),
      {
        fullUrl: 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000004',
        resource: {
          ...observation('urn:uuid:0b1f3c3e-0000-4000-8000-000000000001'),
          encounter: { reference: 'urn:uuid:0b1f3c3e-0000-4000-8000-000000000002' },
        } as never,
        request: { method: 'POST', url: 'Observation' },
      },
    ]);
    const res = await client.send('POST', '', bundle);
    expect(res.status).toBe(200);
    const out = res.body as Bundle;
    expect(out.type).toBe('transaction-response');
    expect(out.entry).toHaveLength(4);
    for (const entry of out.entry ?? []) {
      expect(entry.response?.status).toBe('201 Created');
      expect(entry.response?.location).toMatch(/\/_history\/1$/);
      expect(entry.response?.etag).toBe('W/"1"');
      expect(entry.response?.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const [encounter, pat, practitioner, obs] = (out.entry ?? []).map((e) => e.resource as any);
    expect(encounter.subject.reference).toBe(`Patient/${pat?.id}`);
    const readObs = await client.send('GET', `Observation/${obs?.id}`);
    expect(readObs.body.subject.reference).toBe(`Patient/${pat?.id}`);
    expect(readObs.body.encounter.reference).toBe(`Encounter/${encounter?.id}`);
    const readEnc = await client.send('GET', `Encounter/${encounter?.id}`);
    expect(readEnc.body.participant[0].individual.reference).toBe(`Practitioner/${practitioner?.id}`);
  });

  it('rolls back every entry when one fails validation, and names the failing entry', async () => {
    const bundle = transaction([
      post(patient('Rollback', 'rb-1'), 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000001'),
      post(observation('urn:uuid:aaaaaaaa-0000-4000-8000-000000000001')),
      post({ resourceType: 'Observation', status: 'not-a-status', code: { text: 'x' }, bogus: true } as never),
    ]);
    const res = await client.send('POST', '', bundle);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const issue = res.body.issue[0];
    expect(issue.diagnostics).toContain('Bundle.entry[2]');
    expect(issue.expression).toContain('Bundle.entry[2]');
    const history = await client.send('GET', 'Patient/_history');
    const families = (history.body.entry ?? []).map((e: { resource?: { name?: Array<{ family?: string }> } }) => e.resource?.name?.[0]?.family);
    expect(families).toContain('Chalmers'); // written by the first test: history works
    expect(families).not.toContain('Rollback');
    const observations = await client.send('GET', 'Observation/_history');
    const subjects = (observations.body.entry ?? []).map((e: { resource?: { subject?: { reference?: string } } }) => e.resource?.subject?.reference);
    expect(subjects.some((s: string | undefined) => s?.startsWith('urn:') || s === undefined)).toBe(false);
    expect(observations.body.entry ?? []).toHaveLength(1); // only the committed one from the first test
  });

  it('processes DELETE, POST, PUT, GET in that order and answers in the original order', async () => {
    const created = await client.send('POST', 'Patient', patient('Ordered'));
    const id = created.body.id as string;
    const putId = `order-${Date.now()}`;
    const bundle = transaction([
      { request: { method: 'GET', url: `Patient/${putId}` } },
      { resource: { ...patient('Put'), id: putId } as never, request: { method: 'PUT', url: `Patient/${putId}` } },
      post(patient('Posted')),
      { request: { method: 'DELETE', url: `Patient/${id}` } },
    ]);
    const res = await client.send('POST', '', bundle);
    expect(res.status).toBe(200);
    const statuses = (res.body as Bundle).entry?.map((e) => e.response?.status.slice(0, 3));
    // The GET runs last, so it sees the PUT made earlier in the same transaction.
    expect(statuses).toEqual(['200', '201', '201', expect.stringMatching(/^20[04]$/)]);
    expect((res.body as Bundle).entry?.[0]?.resource?.id).toBe(putId);
    expect((await client.send('GET', `Patient/${id}`)).status).toBe(410);
  });

  it('fails with 412 when an entry If-Match does not match, and changes nothing', async () => {
    const created = await client.send('POST', 'Patient', patient('Versioned'));
    const id = created.body.id as string;
    const bundle = transaction([
      post(patient('NotKept', 'ifmatch-1')),
      { resource: { ...patient('Changed'), id } as never, request: { method: 'PUT', url: `Patient/${id}`, ifMatch: 'W/"7"' } },
    ]);
    const res = await client.send('POST', '', bundle);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression).toContain('Bundle.entry[1]');
    const read = await client.send('GET', `Patient/${id}`);
    expect(read.body.name[0].family).toBe('Versioned');
    expect(read.body.meta.versionId).toBe('1');
  });

  it('refuses two entries that write the same resource (400)', async () => {
    const bundle = transaction([
      { resource: { ...patient('A'), id: 'dup-1' } as never, request: { method: 'PUT', url: 'Patient/dup-1' } },
      { request: { method: 'DELETE', url: 'Patient/dup-1' } },
    ]);
    const res = await client.send('POST', '', bundle);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0]', 'Bundle.entry[1]']);
    expect((await client.send('GET', 'Patient/dup-1')).status).toBe(404);
  });

  it('refuses a Bundle that is not a batch or transaction, and malformed entries', async () => {
    expect((await client.send('POST', '', { resourceType: 'Bundle', type: 'collection', entry: [] })).status).toBe(400);
    expect((await client.send('POST', '', patient('x'))).status).toBe(400);
    const bad = await client.send('POST', '', transaction([{ resource: patient('NoRequest') as never }]));
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toContain('Bundle.entry[0].request');
  });

  it('refuses more entries than maxBundleEntries with 413', async () => {
    const small = await openClient({ settings: { maxBundleEntries: 2 } });
    try {
      const res = await small.send('POST', '', transaction([post(patient('a')), post(patient('b')), post(patient('c'))]));
      expect(res.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('honours Prefer: return=minimal for the entries', async () => {
    const res = await client.send('POST', '', transaction([post(patient('Minimal'))]), { prefer: 'return=minimal' });
    expect(res.status).toBe(200);
    const entry = (res.body as Bundle).entry?.[0];
    expect(entry?.resource).toBeUndefined();
    expect(entry?.response?.status).toBe('201 Created');
    expect(entry?.response?.location).toMatch(/Patient\/[^/]+\/_history\/1$/);
  });

  it('commits a transaction of 1 000 Observations in one request', async () => {
    const subject = await client.send('POST', 'Patient', patient('Thousand'));
    const entries = Array.from({ length: 1000 }, (_, i) =>
      post(observation(`Patient/${subject.body.id}`, '8867-4', new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), 60 + (i % 40))),
    );
    const started = Date.now();
    const res = await client.send('POST', '', transaction(entries), { prefer: 'return=minimal' });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry).toHaveLength(1000);
    expect((res.body as Bundle).entry?.every((e) => e.response?.status === '201 Created')).toBe(true);
    for (const entry of [(res.body as Bundle).entry?.[0], (res.body as Bundle).entry?.[999]]) {
      const path = (entry?.response?.location ?? '').replace(/^.*\/fhir\//, '').replace(/\/_history\/.*$/, '');
      expect((await client.send('GET', path)).body.subject.reference).toBe(`Patient/${subject.body.id}`);
    }
    const count = await client.send('GET', `Observation?subject=Patient/${subject.body.id}&_summary=count`);
    expect(count.body.total).toBe(1000);
    // Generous bound (CI machines are slow); the benchmark measures real throughput.
    expect(elapsed).toBeLessThan(15000);
  });
});

describe('batch', () => {
  it('returns one response per entry with its own status', async () => {
    const created = await client.send('POST', 'Patient', patient('Batch'));
    const bundle = transaction(
      [
        post(patient('BatchOk')),
        { request: { method: 'GET', url: `Patient/${created.body.id}` } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        post({ resourceType: 'Patient', gender: 'not-a-gender' } as never),
        { request: { method: 'TRACE' as never, url: 'Patient' } },
      ],
      'batch',
    );
    const res = await client.send('POST', '', bundle);
    expect(res.status).toBe(200);
    const out = res.body as Bundle;
    expect(out.type).toBe('batch-response');
    expect(out.entry?.map((e) => e.response?.status.slice(0, 3))).toEqual(['201', '200', '404', expect.stringMatching(/^4\d\d$/), '400']);
    expect(out.entry?.[2]?.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect(out.entry?.[1]?.resource?.id).toBe(created.body.id);
    // The failing entries did not stop the good one.
    expect((await client.send('GET', `Patient/${out.entry?.[0]?.resource?.id}`)).status).toBe(200);
  });
});
