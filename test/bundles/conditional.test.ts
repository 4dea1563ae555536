import type { Bundle } from 'fhir/r4';
import { observation, openClient, post, transaction, type TestClient } from './client';

let client: TestClient;
beforeAll(async () => {
  client = await openClient();
});
afterAll(() => client.close());

const MRN = 'http://example.org/mrn';
const patient = (family: string, mrn?: string) => ({
  resourceType: 'Patient',
  name: [{ family }],
  ...(mrn ? { identifier: [{ system: MRN, value: mrn }] } : {}),
});

async function count(target: string): Promise<number> {
  const res = await client.send('GET', target);
  expect(res.status).toBe(200);
  return (res.body as Bundle).entry?.length ?? 0;
}

describe('conditional create inside a transaction', () => {
  it('is idempotent: the same bundle sent twice creates nothing new, and references follow the match', async () => {
    const bundle = () =>
      transaction([
        post(patient('Idem', 'idem-1'), 'urn:uuid:11111111-0000-4000-8000-000000000001', `identifier=${MRN}|idem-1`),
        post(
          { ...observation('urn:uuid:11111111-0000-4000-8000-000000000001'), identifier: [{ system: 'http://device.example', value: 'm-1' }] } as never,
          'urn:uuid:11111111-0000-4000-8000-000000000002',
          'identifier=http://device.example|m-1',
        ),
      ]);
    const first = await client.send('POST', '', bundle());
    expect(first.status).toBe(200);
    expect((first.body as Bundle).entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const second = await client.send('POST', '', bundle());
    expect(second.status).toBe(200);
    const entries = (second.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['200 OK', '200 OK']);
    expect(entries[0]?.resource?.id).toBe((first.body as Bundle).entry?.[0]?.resource?.id);
    expect(await count(`Patient?identifier=${MRN}|idem-1`)).toBe(1);
    expect(await count('Observation?identifier=http://device.example|m-1')).toBe(1);
  });

  it('maps a placeholder to the matched resource when a conditional create finds one', async () => {
    const existing = await client.send('POST', 'Patient', patient('Existing', 'match-1'));
    const res = await client.send(
      'POST',
      '',
      transaction([
        post(patient('Ignored', 'match-1'), 'urn:uuid:22222222-0000-4000-8000-000000000001', `identifier=${MRN}|match-1`),
        post(observation('urn:uuid:22222222-0000-4000-8000-000000000001')),
      ]),
    );
    expect(res.status).toBe(200);
    const obs = (res.body as Bundle).entry?.[1]?.resource as { subject?: { reference?: string } };
    expect(obs.subject?.reference).toBe(`Patient/${existing.body.id}`);
  });
});

describe('conditional references', () => {
  beforeAll(async () => {
    await client.send('POST', 'Patient', patient('One', 'cref-one'));
    await client.send('POST', 'Patient', patient('TwinA', 'cref-two'));
    await client.send('POST', 'Patient', patient('TwinB', 'cref-two'));
  });

  it('resolves a reference matching exactly one resource', async () => {
    const one = await client.send('GET', `Patient?identifier=${MRN}|cref-one`);
    const res = await client.send('POST', '', transaction([post(observation(`Patient?identifier=${MRN}|cref-one`))]));
    expect(res.status).toBe(200);
    const created = (res.body as Bundle).entry?.[0]?.resource as { subject?: { reference?: string } };
    expect(created.subject?.reference).toBe(`Patient/${(one.body as Bundle).entry?.[0]?.resource?.id}`);
  });

  it.each([
    ['no', 'cref-none'],
    ['two', 'cref-two'],
  ])('fails the transaction with 412 when %s resources match', async (_label, mrn) => {
    const res = await client.send(
      'POST',
      '',
      transaction([post(patient('Bystander', `bystander-${mrn}`)), post(observation(`Patient?identifier=${MRN}|${mrn}`))]),
    );
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression).toContain('Bundle.entry[1]');
    expect(await count(`Patient?identifier=${MRN}|bystander-${mrn}`)).toBe(0);
  });

  it('answers 412 for that entry only in a batch', async () => {
    const res = await client.send(
      'POST',
      '',
      transaction([post(observation(`Patient?identifier=${MRN}|cref-two`)), post(observation(`Patient?identifier=${MRN}|cref-one`))], 'batch'),
    );
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.map((e) => e.response?.status)).toEqual(['412 Precondition Failed', '201 Created']);
  });
});

describe('conditional update and delete inside a transaction', () => {
  it('updates the single match, creates when none, and fails on several', async () => {
    const existing = await client.send('POST', 'Patient', patient('Before', 'cu-1'));
    const res = await client.send(
      'POST',
      '',
      transaction([
        { resource: patient('After', 'cu-1') as never, request: { method: 'PUT', url: `Patient?identifier=${MRN}|cu-1` } },
        { fullUrl: 'urn:uuid:33333333-0000-4000-8000-000000000001', resource: patient('New', 'cu-2') as never, request: { method: 'PUT', url: `Patient?identifier=${MRN}|cu-2` } },
        post(observation('urn:uuid:33333333-0000-4000-8000-000000000001')),
      ]),
    );
    expect(res.status).toBe(200);
    const [updated, createdByPut, obs] = (res.body as Bundle).entry ?? [];
    expect(updated?.response?.status).toBe('200 OK');
    expect(updated?.resource?.id).toBe(existing.body.id);
    expect(createdByPut?.response?.status).toBe('201 Created');
    expect((obs?.resource as { subject?: { reference?: string } }).subject?.reference).toBe(`Patient/${createdByPut?.resource?.id}`);

    await client.send('POST', 'Patient', patient('Many', 'cu-many'));
    await client.send('POST', 'Patient', patient('Many', 'cu-many'));
    const several = await client.send(
      'POST',
      '',
      transaction([{ resource: patient('X', 'cu-many') as never, request: { method: 'PUT', url: `Patient?identifier=${MRN}|cu-many` } }]),
    );
    expect(several.status).toBe(412);
  });

  it('deletes the single match of a conditional delete', async () => {
    const doomed = await client.send('POST', 'Patient', patient('Doomed', 'cd-1'));
    const res = await client.send('POST', '', transaction([{ request: { method: 'DELETE', url: `Patient?identifier=${MRN}|cd-1` } }]));
    expect(res.status).toBe(200);
    expect((await client.send('GET', `Patient/${doomed.body.id}`)).status).toBe(410);
  });
});
