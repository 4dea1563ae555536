import type { Bundle, Observation } from 'fhir/r4';
import { latestPerGroup, observationLastn } from '../../src/fhir/operations/lastn';
import { patientEverything } from '../../src/fhir/operations/everything';
import { observation, openClient, type TestClient } from '../bundles/client';

const obs = (id: string, codes: string[], effective: string, text?: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: codes.map((code) => ({ system: 'http://loinc.org', code })), ...(text ? { text } : {}) },
  effectiveDateTime: effective,
});

describe('latestPerGroup (grouping rules of the operation)', () => {
  it('groups translations transitively and text-only codes by text', () => {
    const a = obs('a', ['A'], '2024-01-01');
    const b = obs('b', ['B'], '2024-01-02');
    const ac = obs('ac', ['A', 'C'], '2024-01-03');
    expect(latestPerGroup([a, b, ac], 5).map((o) => o.id)).toEqual(['ac', 'a', 'b']);
    const ab = obs('ab', ['A', 'B'], '2024-01-04');
    expect(latestPerGroup([a, b, ab], 1).map((o) => o.id)).toEqual(['ab']);
    const t1 = obs('t1', [], '2024-01-01', 'textM');
    const t2 = obs('t2', [], '2024-01-01', 'Text');
    const t3 = obs('t3', [], '2024-01-01', 't e x t');
    expect(latestPerGroup([t1, t2, t3], 1)).toHaveLength(3);
  });

  it('keeps the latest max per group, most recent first, honouring date precision', () => {
    const list = [obs('1', ['X'], '2024-05'), obs('2', ['X'], '2024-05-20T10:00:00Z'), obs('3', ['X'], '2023'), obs('4', ['X'], '2024-06-01')];
    expect(latestPerGroup(list, 2).map((o) => o.id)).toEqual(['4', '1']);
  });
});

describe('Observation/$lastn over the server', () => {
  let client: TestClient;
  let patient: string;
  let other: string;
  beforeAll(async () => {
    client = await openClient({ operations: [patientEverything, observationLastn] });
    patient = (await client.send('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Lastn' }] })).body.id;
    other = (await client.send('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Other' }] })).body.id;
    for (let day = 1; day <= 5; day++) {
      await client.send('POST', 'Observation', observation(`Patient/${patient}`, '8867-4', `2024-02-0${day}T08:00:00Z`, 60 + day));
      await client.send('POST', 'Observation', observation(`Patient/${patient}`, '29463-7', `2024-02-0${day}T09:00:00Z`, 80 + day));
    }
    await client.send('POST', 'Observation', observation(`Patient/${other}`, '8867-4', '2025-01-01T00:00:00Z', 99));
  });
  afterAll(() => client.close());

  const values = (bundle: Bundle) =>
    (bundle.entry ?? []).map((e) => {
      const o = e.resource as Observation;
      return `${o.code.coding?.[0]?.code}:${o.valueQuantity?.value}`;
    });

  it('returns the latest observation per code by default', async () => {
    const res = await client.send('GET', `Observation/$lastn?patient=Patient/${patient}&category=vital-signs`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('searchset');
    expect(values(res.body).sort()).toEqual(['29463-7:85', '8867-4:65']);
  });

  it('returns the latest N per code with max, most recent first, for that patient only', async () => {
    const res = await client.send('GET', `Observation/$lastn?patient=Patient/${patient}&code=http://loinc.org|8867-4&max=3`);
    expect(res.status).toBe(200);
    expect(values(res.body)).toEqual(['8867-4:65', '8867-4:64', '8867-4:63']);
  });

  it('requires a subject and a category or code, and a positive max', async () => {
    expect((await client.send('GET', 'Observation/$lastn?category=vital-signs')).status).toBe(400);
    expect((await client.send('GET', `Observation/$lastn?patient=Patient/${patient}`)).status).toBe(400);
    expect((await client.send('GET', `Observation/$lastn?patient=Patient/${patient}&category=vital-signs&max=0`)).status).toBe(400);
  });
});
