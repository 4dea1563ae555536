import request from 'supertest';
import { admin, createResource, observation, registerBasics, startAuthServer, type AuthServer } from './harness';
import { clickThrough, startSmartApp, type SmartApp } from './smart-app';

/** The real fhirclient library (Node) performing standalone and EHR launches against the server. */
let s: AuthServer;
let app: SmartApp;
let alice: string;
let bob: string;
let encounter: string;

beforeAll(async () => {
  s = await startAuthServer({ live: true });
  alice = await createResource(s, { resourceType: 'Patient', name: [{ given: ['Alice'], family: 'Smith' }] });
  bob = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Bob' }] });
  encounter = await createResource(s, { resourceType: 'Encounter', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' }, subject: { reference: `Patient/${alice}` } });
  await createResource(s, observation(alice));
  await createResource(s, observation(bob));
  await registerBasics(s, alice);
  app = await startSmartApp('node-app', 'launch launch/patient launch/encounter patient/Observation.rs openid fhirUser');
  const registered = await admin(s, '/clients', { client_id: 'node-app', type: 'public', redirect_uris: [`${app.origin}/callback`], launch_url: `${app.origin}/launch` });
  expect(registered.status).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await s.close();
});

it('standalone launch: login, patient picker, consent, then a patient-scoped read of Observations', async () => {
  const result = await clickThrough(`${app.origin}/launch?iss=${encodeURIComponent(s.base)}`, { username: 'dr', password: 'practitioner-pass', patient: alice });
  expect(result.status).toBe(200);
  const seen = JSON.parse(result.body);
  expect(seen.patient).toBe(alice);
  expect(seen.subjects).toEqual([`Patient/${alice}`]);
  expect(seen.idUser).toBe('Practitioner/dr1');
});

it('EHR launch: the launch context selects the patient and encounter', async () => {
  const launch = await request(s.app).post('/auth/launch').set('Authorization', `Bearer ${s.adminToken}`).send({ patient: alice, encounter, client_id: 'node-app' });
  expect(launch.status).toBe(201);
  const result = await clickThrough(launch.body.launch_url, { username: 'dr', password: 'practitioner-pass' });
  expect(result.status).toBe(200);
  const seen = JSON.parse(result.body);
  expect(seen).toMatchObject({ patient: alice, encounter, subjects: [`Patient/${alice}`] });
});
