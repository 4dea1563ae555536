import type { AuditEvent, Bundle } from 'fhir/r4';
import request from 'supertest';
import { observation, registerBasics, tokensFor } from '../auth/harness';
import { eventsOf, startAuditedServer, subtypeOf, type AuditedServer } from './harness';

/** Admins search the trail; a patient app sees its own patient's records only when AUDIT_PATIENT_ACCESS allows it. */
const FHIR = 'application/fhir+json';
const PATIENT_APP_SCOPE = 'launch/patient openid fhirUser patient/*.rs patient/AuditEvent.rs';

interface Setup {
  s: AuditedServer;
  alice: string;
  bob: string;
  obs: string;
}

async function setup(patientAccess: boolean): Promise<Setup> {
  const s = await startAuditedServer({ patientAccess });
  const create = async (resource: object) =>
    (await request(s.app).post(`/fhir/${(resource as { resourceType: string }).resourceType}`).set('Authorization', `Bearer ${s.adminToken}`).set('Content-Type', FHIR).send(JSON.stringify(resource)))
      .body.id as string;
  const alice = await create({ resourceType: 'Patient', name: [{ family: 'Alice' }] });
  const bob = await create({ resourceType: 'Patient', name: [{ family: 'Bob' }] });
  const obs = await create(observation(alice));
  await registerBasics(s, alice);
  return { s, alice, bob, obs };
}

const get = (s: AuditedServer, path: string, token: string) => request(s.app).get(`/fhir/${path}`).set('Authorization', `Bearer ${token}`).set('Accept', FHIR);
const resources = (res: request.Response) => ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
const patientsIn = (e: AuditEvent) => (e.entity ?? []).map((x) => x.what?.reference).filter((r) => r?.startsWith('Patient/'));

describe('AUDIT_PATIENT_ACCESS off (default)', () => {
  let t: Setup;
  beforeAll(async () => (t = await setup(false)), 180_000);
  afterAll(() => t.s.close());

  it('admins search by patient, entity, agent, client, type, subtype, action and date', async () => {
    const { s, alice, bob, obs } = t;
    const practitioner = await tokensFor(s, { scope: 'launch/patient openid fhirUser patient/*.rs' }, { patient: alice });
    await get(s, `Observation/${obs}`, practitioner.body.access_token).expect(200);
    await get(s, `Patient/${bob}`, s.adminToken).expect(200);

    const byPatient = resources(await get(s, `AuditEvent?patient=Patient/${alice}&subtype=read`, s.adminToken).expect(200));
    expect(byPatient.length).toBeGreaterThanOrEqual(1);
    for (const e of byPatient) {
      expect(patientsIn(e)).toContain(`Patient/${alice}`);
      expect(subtypeOf(e)).toBe('read');
    }
    const byEntity = resources(await get(s, `AuditEvent?entity=Observation/${obs}`, s.adminToken).expect(200));
    expect(byEntity.map(subtypeOf)).toContain('read');
    const byAgent = resources(await get(s, 'AuditEvent?agent=Practitioner/dr1&type=rest&action=R', s.adminToken).expect(200));
    expect(byAgent).toHaveLength(1);
    expect(byAgent[0]?.entity?.[0]?.what?.reference).toBe(`Observation/${obs}`);
    const byClient = resources(await get(s, 'AuditEvent?altid=app', s.adminToken).expect(200));
    expect(byClient.map(subtypeOf)).toEqual(expect.arrayContaining(['read', 'token-issue', 'consent']));
    const today = new Date().toISOString().slice(0, 10);
    const byDate = resources(await get(s, `AuditEvent?date=ge${today}&patient=${bob}&_sort=-date`, s.adminToken).expect(200));
    expect(byDate.length).toBeGreaterThanOrEqual(1);
    expect(byDate.every((e) => patientsIn(e).includes(`Patient/${bob}`))).toBe(true);
    expect(resources(await get(s, 'AuditEvent?date=lt2000-01-01', s.adminToken).expect(200))).toEqual([]);
  });

  it('a patient app cannot read the trail, even with patient/AuditEvent.rs', async () => {
    const { s, alice } = t;
    const app = await tokensFor(s, { scope: PATIENT_APP_SCOPE }, { patient: alice });
    expect(app.status).toBe(200);
    expect((await get(s, 'AuditEvent', app.body.access_token)).status).toBe(403);
    expect((await get(s, `AuditEvent?patient=${alice}`, app.body.access_token)).status).toBe(403);
  });

  it('wildcard scopes never reach AuditEvent: not by search, $everything or _revinclude', async () => {
    const { s, alice } = t;
    const app = await tokensFor(s, { scope: 'launch/patient openid fhirUser patient/*.rs' }, { patient: alice });
    const token = app.body.access_token as string;
    expect((await get(s, 'AuditEvent', token)).status).toBe(403);
    const everything = await get(s, `Patient/${alice}/$everything`, token).expect(200);
    expect(resources(everything).filter((r) => r.resourceType === 'AuditEvent')).toEqual([]);
    const revinclude = await get(s, `Patient?_id=${alice}&_revinclude=AuditEvent:patient`, token);
    expect(resources(revinclude).filter((r) => r.resourceType === 'AuditEvent')).toEqual([]);
    // nor for the admin: $everything is the patient's record, not the trail about it
    const adminEverything = await get(s, `Patient/${alice}/$everything`, s.adminToken).expect(200);
    expect(resources(adminEverything).filter((r) => r.resourceType === 'AuditEvent')).toEqual([]);
    const practitioner = await tokensFor(s, { scope: 'openid fhirUser user/*.rs' });
    expect((await get(s, 'AuditEvent', practitioner.body.access_token)).status).toBe(403);
  });
});

describe('AUDIT_PATIENT_ACCESS on', () => {
  let t: Setup;
  beforeAll(async () => (t = await setup(true)), 180_000);
  afterAll(() => t.s.close());

  it("a patient app granted patient/AuditEvent.rs sees its own patient's records, never another's", async () => {
    const { s, alice, bob } = t;
    await get(s, `Patient/${bob}`, s.adminToken).expect(200);
    const app = await tokensFor(s, { scope: PATIENT_APP_SCOPE }, { patient: alice });
    const token = app.body.access_token as string;
    await get(s, `Patient/${alice}`, token).expect(200);
    let seen: AuditEvent[] = [];
    // the search itself is recorded too (and is about alice)
    const recorded = await eventsOf(s.store, async () => {
      seen = resources(await get(s, 'AuditEvent?_count=100', token).expect(200));
    });
    expect(recorded).toHaveLength(1);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const e of seen) expect(patientsIn(e)).toContain(`Patient/${alice}`);
    expect(resources(await get(s, `AuditEvent?patient=${bob}`, token).expect(200))).toEqual([]);
    const bobsRead = resources(await get(s, `AuditEvent?patient=${bob}`, s.adminToken).expect(200));
    expect(bobsRead.length).toBeGreaterThanOrEqual(1);
    expect((await get(s, `AuditEvent/${bobsRead[0]?.id}`, token)).status).toBe(404);
  });

  it('wildcards still do not reach it, and the app cannot write it', async () => {
    const { s, alice } = t;
    const wildcard = await tokensFor(s, { scope: 'launch/patient openid fhirUser patient/*.cruds' }, { patient: alice });
    expect((await get(s, 'AuditEvent', wildcard.body.access_token)).status).toBe(403);
    const write = await request(s.app)
      .post('/fhir/AuditEvent')
      .set('Authorization', `Bearer ${wildcard.body.access_token}`)
      .set('Content-Type', FHIR)
      .send(JSON.stringify({ resourceType: 'AuditEvent' }));
    expect(write.status).toBe(405);
  });
});
