import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app';

const patient = { resourceType: 'Patient', name: [{ family: 'Negotiation' }] };

describe('content negotiation', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await makeTestApp();
    const res = await request(t.app).post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify(patient));
    expect(res.status).toBe(201);
    id = res.body.id;
  });
  afterAll(() => t.close());

  it('answers application/fhir+json; charset=utf-8 by default', async () => {
    const res = await request(t.app).get(`/fhir/Patient/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(res.body.resourceType).toBe('Patient');
  });

  it.each(['application/fhir+json', 'application/json', '*/*', 'text/html, application/xml;q=0.9, */*;q=0.8', 'application/fhir+json; fhirVersion=4.0'])(
    'accepts Accept: %s',
    async (accept) => {
      const res = await request(t.app).get(`/fhir/Patient/${id}`).set('Accept', accept);
      expect(res.status).toBe(200);
    },
  );

  it.each(['application/fhir+xml', 'text/html', 'application/xml', 'application/fhir+json; fhirVersion=3.0', 'application/json; q=0'])(
    'refuses Accept: %s with 406 OperationOutcome',
    async (accept) => {
      const res = await request(t.app).get(`/fhir/Patient/${id}`).set('Accept', accept);
      expect(res.status).toBe(406);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].code).toBe('not-supported');
    },
  );

  it.each(['json', 'application/json', 'application/fhir+json', 'application/fhir%2Bjson', 'application/fhir+json'])('accepts _format=%s', async (format) => {
    const res = await request(t.app).get(`/fhir/Patient/${id}?_format=${format}`).set('Accept', 'application/fhir+xml');
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
  });

  it.each(['xml', 'application/fhir+xml', 'text/xml', 'turtle', 'html'])('refuses _format=%s with 406', async (format) => {
    const res = await request(t.app).get(`/fhir/Patient/${id}?_format=${format}`);
    expect(res.status).toBe(406);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('_pretty=true indents, otherwise compact', async () => {
    const pretty = await request(t.app).get(`/fhir/Patient/${id}?_pretty=true`);
    expect(pretty.text).toContain('\n  "resourceType": "Patient"');
    const compact = await request(t.app).get(`/fhir/Patient/${id}?_pretty=false`);
    expect(compact.text).not.toContain('\n');
    expect(JSON.parse(compact.text)).toEqual(JSON.parse(pretty.text));
  });

  it.each(['application/fhir+json', 'application/json', 'application/fhir+json; charset=utf-8', 'application/json+fhir'])(
    'accepts request Content-Type %s',
    async (type) => {
      const res = await request(t.app).post('/fhir/Patient').set('Content-Type', type).send(JSON.stringify(patient));
      expect(res.status).toBe(201);
    },
  );

  it.each([
    ['application/fhir+xml', '<Patient xmlns="http://hl7.org/fhir"/>'],
    ['application/xml', '<Patient/>'],
    ['text/plain', JSON.stringify(patient)],
    ['application/x-www-form-urlencoded', 'name=x'],
    ['application/json-patch+json', '[]'],
    ['application/fhir+json; charset=iso-8859-1', JSON.stringify(patient)],
  ])('refuses POST with Content-Type %s (415)', async (type, body) => {
    const res = await request(t.app).post('/fhir/Patient').set('Content-Type', type).send(body);
    expect(res.status).toBe(415);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses a body without Content-Type (415)', async () => {
    const res = await request(t.app).post('/fhir/Patient').send(Buffer.from(JSON.stringify(patient)));
    expect(res.status).toBe(415);
  });

  it('takes application/json-patch+json on PATCH', async () => {
    const res = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'add', path: '/active', value: true }]));
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(true);
  });

  it('takes form parameters on POST _search, combined with the URL ones', async () => {
    const res = await request(t.app)
      .post('/fhir/Patient/_search?_count=5')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`_id=${id}`);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('searchset');
  });
});
