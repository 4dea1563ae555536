import type { Bundle } from 'fhir/r4';
import request from 'supertest';
import { makeTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';

/**
 * The telehealth searches over HTTP, against resources written through the REST API (validated,
 * versioned and indexed by the repository), including paging links, POST _search and errors.
 */
describe('telehealth searches over HTTP', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};

  async function create(key: string, resource: Record<string, unknown>) {
    const res = await request(t.app).post(`/fhir/${resource.resourceType as string}`).set('Content-Type', 'application/fhir+json').send(resource);
    expect(res.status).toBe(201);
    ids[key] = res.body.id as string;
  }
  const ref = (key: string) => ids[key] as string;
  const matchIds = (body: Bundle) => (body.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id);

  beforeAll(async () => {
    t = await makeTestApp();
    await create('pat', { resourceType: 'Patient', name: [{ family: 'Nguyễn', given: ['Lan'] }], birthDate: '1990-07-14', identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-77' }] });
    await create('other', { resourceType: 'Patient', name: [{ family: 'Nguyen', given: ['Minh'] }], birthDate: '1985-01-01' });
    await create('doc', { resourceType: 'Practitioner', name: [{ family: 'House' }] });
    for (let i = 0; i < 12; i++) {
      await create(`hr${i}`, {
        resourceType: 'Observation', status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${ref('pat')}` }, effectiveDateTime: `2024-0${1 + (i % 9)}-1${i % 10}T08:00:00Z`,
        valueQuantity: { value: 60 + i, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      });
    }
    await create('old', {
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${ref('pat')}` }, effectiveDateTime: '2023-06-01T08:00:00Z', valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    await create('enc', { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' }, subject: { reference: `Patient/${ref('pat')}` } });
    await create('enc2', { resourceType: 'Encounter', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' }, subject: { reference: `Patient/${ref('pat')}` } });
    await create('appt', {
      resourceType: 'Appointment', status: 'booked', start: '2024-05-01T09:00:00Z', end: '2024-05-01T09:30:00Z',
      participant: [{ actor: { reference: `Patient/${ref('pat')}` }, status: 'accepted' }, { actor: { reference: `Practitioner/${ref('doc')}` }, status: 'accepted' }],
    });
  }, 180_000);
  afterAll(async () => t.close());

  test('Observation?patient&code&date&_sort=-date&_count=10 pages newest first', async () => {
    const res = await request(t.app).get(`/fhir/Observation?patient=${ref('pat')}&code=http://loinc.org|8867-4&date=ge2024-01-01&_sort=-date&_count=10`);
    expect(res.status).toBe(200);
    const body = res.body as Bundle;
    expect(body.total).toBe(12);
    expect(body.entry).toHaveLength(10);
    const dates = (body.entry ?? []).map((e) => (e.resource as { effectiveDateTime: string }).effectiveDateTime);
    expect(dates).toEqual([...dates].sort().reverse());
    const next = body.link?.find((l) => l.relation === 'next')?.url as string;
    expect(next.startsWith(`${TEST_BASE_URL}/Observation?`)).toBe(true);
    const page2 = await request(t.app).get(next.slice('http://localhost:8080'.length));
    expect(page2.status).toBe(200);
    expect(page2.body.entry).toHaveLength(2);
    expect(page2.body.link.find((l: { relation: string }) => l.relation === 'next')).toBeUndefined();
    expect(matchIds(page2.body)).not.toContain(ids.old);
  });

  test('Encounter?patient&class=VR&status=finished', async () => {
    const res = await request(t.app).get(`/fhir/Encounter?patient=${ref('pat')}&class=VR&status=finished`);
    expect(matchIds(res.body)).toEqual([ref('enc')]);
  });

  test('Appointment?actor=Practitioner/Y&date=ge…&status=booked', async () => {
    const res = await request(t.app).get(`/fhir/Appointment?actor=Practitioner/${ref('doc')}&date=ge2024-04-01&status=booked`);
    expect(matchIds(res.body)).toEqual([ref('appt')]);
    const none = await request(t.app).get(`/fhir/Appointment?actor=Practitioner/${ref('doc')}&date=ge2024-06-01&status=booked`);
    expect(matchIds(none.body)).toEqual([]);
  });

  test('Patient?identifier=… and Patient?name=…&birthdate=… (accent-insensitive)', async () => {
    const byId = await request(t.app).get('/fhir/Patient?identifier=http://hospital.example/mrn|MRN-77');
    expect(matchIds(byId.body)).toEqual([ref('pat')]);
    const byName = await request(t.app).get('/fhir/Patient?name=nguyen&birthdate=1990-07-14');
    expect(matchIds(byName.body)).toEqual([ref('pat')]);
    const both = await request(t.app).get('/fhir/Patient?name=NGUY');
    expect(matchIds(both.body).sort()).toEqual([ref('pat'), ref('other')].sort());
  });

  test('POST /fhir/Observation/_search with a form body', async () => {
    const res = await request(t.app)
      .post('/fhir/Observation/_search')
      .type('form')
      .send({ patient: ref('pat'), code: '8867-4', date: 'lt2024-01-01' });
    expect(res.status).toBe(200);
    expect(matchIds(res.body)).toEqual([ref('old')]);
  });

  test('compartment search GET /fhir/Patient/[id]/Encounter', async () => {
    const res = await request(t.app).get(`/fhir/Patient/${ref('pat')}/Encounter?status=in-progress`);
    expect(res.status).toBe(200);
    expect(matchIds(res.body)).toEqual([ref('enc2')]);
  });

  test('an unknown parameter is a 400 OperationOutcome; lenient handling ignores it', async () => {
    const strict = await request(t.app).get('/fhir/Patient?shoe-size=42');
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
    const lenient = await request(t.app).get('/fhir/Patient?shoe-size=42').set('Prefer', 'handling=lenient');
    expect(lenient.status).toBe(200);
    expect(lenient.body.entry.some((e: { search?: { mode?: string } }) => e.search?.mode === 'outcome')).toBe(true);
  });

  test('a malformed date is a 400, never a 500', async () => {
    const res = await request(t.app).get('/fhir/Observation?date=2024-02-30');
    expect(res.status).toBe(400);
  });

  test('an updated resource is found by its new values only, a deleted one not at all', async () => {
    const read = await request(t.app).get(`/fhir/Encounter/${ref('enc2')}`);
    const updated = { ...read.body, status: 'finished' };
    expect((await request(t.app).put(`/fhir/Encounter/${ref('enc2')}`).set('Content-Type', 'application/fhir+json').send(updated)).status).toBe(200);
    const finished = await request(t.app).get(`/fhir/Encounter?patient=${ref('pat')}&status=finished`);
    expect(matchIds(finished.body).sort()).toEqual([ref('enc'), ref('enc2')].sort());
    expect((await request(t.app).delete(`/fhir/Encounter/${ref('enc2')}`)).status).toBeLessThan(300);
    const after = await request(t.app).get(`/fhir/Encounter?patient=${ref('pat')}`);
    expect(matchIds(after.body)).toEqual([ref('enc')]);
  });
});
