import pino from 'pino';
import request from 'supertest';
import { telehealthModule } from '../../src/telehealth';
import { createResource, registerBasics, startAuthServer, tokensFor, type AuthServer } from './harness';

/**
 * Binary.securityContext decides who may read stored media: a patient-scoped app reads the
 * Binary whose context is its patient (or a resource in its patient's compartment), raw bytes
 * and JSON alike, and never another patient's.
 */
let s: AuthServer;
let alice: string;
let bob: string;
let token: string;
const bins: Record<string, string> = {};
const BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);

async function upload(context?: string): Promise<string> {
  const req = request(s.app).post('/fhir/Binary').set('Authorization', `Bearer ${s.adminToken}`).set('Content-Type', 'image/png');
  if (context) void req.set('X-Security-Context', context);
  const res = await req.send(BYTES);
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201 });
  return res.body.id as string;
}

beforeAll(async () => {
  // errors only (a 500 here must be diagnosable from the test output)
  s = await startAuthServer({ rawRoutes: telehealthModule({}).binaryRoutes, logger: pino({ level: 'error' }, process.stderr) });
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  bob = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Bob' }] });
  await registerBasics(s, alice);
  const document = (patient: string) => ({ resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${patient}` }, content: [{ attachment: { contentType: 'image/png' } }] });
  const [aliceDoc, bobDoc] = [await createResource(s, document(alice)), await createResource(s, document(bob))];
  bins.alice = await upload(`Patient/${alice}`);
  bins.bob = await upload(`Patient/${bob}`);
  bins.aliceDoc = await upload(`DocumentReference/${aliceDoc}`);
  bins.bobDoc = await upload(`DocumentReference/${bobDoc}`);
  bins.none = await upload();
  const res = await tokensFor(s, { scope: 'launch/patient patient/Binary.rs patient/Patient.r openid fhirUser' }, { patient: alice });
  expect(res.status).toBe(200);
  expect(res.body.patient).toBe(alice);
  token = res.body.access_token as string;
});
afterAll(() => s.close());

const raw = (id: string) => request(s.app).get(`/fhir/Binary/${id}`).set('Authorization', `Bearer ${token}`).buffer(true).parse((res, done) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
});
const json = (id: string) => request(s.app).get(`/fhir/Binary/${id}`).set('Authorization', `Bearer ${token}`).set('Accept', 'application/fhir+json');

describe('a patient-scoped app', () => {
  it("reads its own patient's Binary, raw and as JSON", async () => {
    for (const id of [bins.alice, bins.aliceDoc] as string[]) {
      const bytes = await raw(id);
      expect(bytes.status).toBe(200);
      expect(Buffer.compare(bytes.body as Buffer, BYTES)).toBe(0);
      const resource = await json(id);
      expect(resource.status).toBe(200);
      expect(resource.body).toMatchObject({ resourceType: 'Binary', id, data: BYTES.toString('base64') });
    }
    const version = await request(s.app).get(`/fhir/Binary/${bins.alice}/_history/1`).set('Authorization', `Bearer ${token}`).set('Accept', 'application/fhir+json');
    expect(version.status).toBe(200);
  });
  it("never reads another patient's Binary, nor one without a security context (404: existence not disclosed)", async () => {
    for (const id of [bins.bob, bins.bobDoc, bins.none] as string[]) {
      const bytes = await raw(id);
      expect(bytes.status).toBe(404);
      expect(bytes.headers['content-type']).toMatch(/fhir\+json/);
      expect((await json(id)).status).toBe(404);
      expect((await request(s.app).get(`/fhir/Binary/${id}/_history/1`).set('Authorization', `Bearer ${token}`)).status).toBe(404);
    }
  });
  it("finds its own patient's Binary by search, and not another's", async () => {
    const res = await request(s.app).get('/fhir/Binary').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const ids = ((res.body.entry ?? []) as Array<{ resource: { id: string } }>).map((e) => e.resource.id);
    expect(ids).toContain(bins.alice);
    expect(ids).not.toContain(bins.bob);
    expect(ids).not.toContain(bins.bobDoc);
    expect(ids).not.toContain(bins.none);
  });
});
