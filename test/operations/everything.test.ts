import type { Bundle } from 'fhir/r4';
import { patientEverything } from '../../src/fhir/operations/everything';
import { observationLastn } from '../../src/fhir/operations/lastn';
import { observation, openClient, type TestClient } from '../bundles/client';

let client: TestClient;
let alice: string;
let bob: string;
let practitioner: string;
const aliceIds = new Set<string>();

beforeAll(async () => {
  client = await openClient({ operations: [patientEverything, observationLastn], settings: { defaultPageSize: 50, maxPageSize: 100 } });
  const create = async (resource: unknown) => {
    const res = await client.send('POST', (resource as { resourceType: string }).resourceType, resource);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  practitioner = await create({ resourceType: 'Practitioner', name: [{ family: 'Careful' }] });
  alice = await create({ resourceType: 'Patient', name: [{ family: 'Alice' }] });
  bob = await create({ resourceType: 'Patient', name: [{ family: 'Bob' }] });
  aliceIds.add(`Patient/${alice}`);
  for (let i = 0; i < 7; i++) {
    aliceIds.add(`Observation/${await create(observation(`Patient/${alice}`, '8867-4', `2024-0${(i % 9) + 1}-01T10:00:00Z`))}`);
  }
  aliceIds.add(
    `Encounter/${await create({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
      subject: { reference: `Patient/${alice}` },
      participant: [{ individual: { reference: `Practitioner/${practitioner}` } }],
      period: { start: '2023-03-01T10:00:00Z', end: '2023-03-01T10:30:00Z' },
    })}`,
  );
  for (let i = 0; i < 3; i++) await create(observation(`Patient/${bob}`));
  await create({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
    subject: { reference: `Patient/${bob}` },
  });
});
afterAll(() => client.close());

function keys(bundle: Bundle, mode: 'match' | 'include' = 'match'): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
}

describe('Patient/[id]/$everything', () => {
  it("returns exactly the patient's compartment, the patient first, plus referenced practitioners", async () => {
    const res = await client.send('GET', `Patient/${alice}/$everything`);
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(keys(bundle)[0]).toBe(`Patient/${alice}`);
    expect(new Set(keys(bundle))).toEqual(aliceIds);
    expect(keys(bundle, 'include')).toEqual([`Practitioner/${practitioner}`]);
    expect(keys(bundle).some((k) => k === `Patient/${bob}`)).toBe(false);
    for (const entry of bundle.entry ?? []) {
      expect(entry.fullUrl).toMatch(new RegExp(`^https?://[^/]+.*/${entry.resource?.resourceType}/${entry.resource?.id}$`));
    }
  });

  it('pages with _count and next links until the compartment is exhausted, without duplicates', async () => {
    const seen: string[] = [];
    let target: string | undefined = `Patient/${alice}/$everything?_count=3`;
    let pages = 0;
    while (target) {
      const res = await client.send('GET', target);
      expect(res.status).toBe(200);
      const bundle = res.body as Bundle;
      expect(keys(bundle).length).toBeLessThanOrEqual(3);
      seen.push(...keys(bundle));
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      target = next?.replace(/^https?:\/\/[^/]+\/fhir\//, '');
      pages += 1;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(aliceIds.size);
    expect(new Set(seen)).toEqual(aliceIds);
  });

  it('filters by _type and by care dates (start/end)', async () => {
    const typed = await client.send('GET', `Patient/${alice}/$everything?_type=Encounter`);
    expect(keys(typed.body).map((k) => k.split('/')[0])).toEqual(['Encounter']);
    const window = await client.send('GET', `Patient/${alice}/$everything?start=2024-03-01&end=2024-04-30`);
    const observations = keys(window.body).filter((k) => k.startsWith('Observation/'));
    expect(observations).toHaveLength(2); // March and April
    expect(keys(window.body)).toContain(`Patient/${alice}`);
    expect(keys(window.body).some((k) => k.startsWith('Encounter/'))).toBe(false); // 2023
  });

  it('honours _since', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const res = await client.send('GET', `Patient/${alice}/$everything?_since=${encodeURIComponent(future)}`);
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual([]);
  });

  it('answers POST with a Parameters body like GET', async () => {
    const res = await client.send('POST', `Patient/${alice}/$everything`, {
      resourceType: 'Parameters',
      parameter: [{ name: '_type', valueString: 'Observation' }],
    });
    expect(res.status).toBe(200);
    expect(keys(res.body)).toHaveLength(7);
  });

  it('rejects bad parameters and unknown patients', async () => {
    expect((await client.send('GET', `Patient/${alice}/$everything?_count=abc`)).status).toBe(400);
    expect((await client.send('GET', `Patient/${alice}/$everything?_type=NotAType`)).status).toBe(400);
    expect((await client.send('GET', `Patient/${alice}/$everything?start=yesterday`)).status).toBe(400);
    expect((await client.send('GET', `Patient/${alice}/$everything?_cursor=garbage`)).status).toBe(400);
    expect((await client.send('GET', 'Patient/nobody/$everything')).status).toBe(404);
  });
});
