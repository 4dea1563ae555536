import request from 'supertest';
import { parseResourceScope } from '../../src/fhir/access/scopes';
import { grantable } from '../../src/auth/scopes';
import { createResource, observation, registerBasics, startAuthServer, tokensFor, type AuthServer } from './harness';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
let s: AuthServer;
let alice: string;
let bob: string;
let aliceLab: string;
let aliceVital: string;
let bobObs: string;
let aliceGroup: string;

beforeAll(async () => {
  s = await startAuthServer();
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  bob = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Bob' }] });
  aliceLab = await createResource(s, observation(alice, '2345-7', 'laboratory'));
  aliceVital = await createResource(s, observation(alice, '8867-4', 'vital-signs'));
  bobObs = await createResource(s, observation(bob, '2345-7', 'laboratory'));
  // Alice's panel points at Bob's observation: _include must not leak it
  aliceGroup = await createResource(s, { ...observation(alice, '24323-8', 'laboratory'), hasMember: [{ reference: `Observation/${bobObs}` }] });
  await registerBasics(s, alice);
});
afterAll(() => s.close());

const get = (token: string, path: string) => request(s.app).get(`/fhir/${path}`).set('Authorization', `Bearer ${token}`);
const post = (token: string, resource: object) =>
  request(s.app).post(`/fhir/${(resource as { resourceType: string }).resourceType}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify(resource));
const ids = (bundle: { entry?: Array<{ resource: { resourceType: string; id: string } }> }) => (bundle.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();

async function token(scope: string, user = { username: 'dr', password: 'practitioner-pass' }, patient = alice): Promise<string> {
  const res = await tokensFor(s, { scope }, { ...user, patient });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body.access_token as string;
}

describe('scope grammar', () => {
  it('parses v1 and v2 scopes into permission letters', () => {
    expect([...(parseResourceScope('patient/Observation.read')?.grant.permissions ?? [])]).toEqual(['r', 's']);
    expect([...(parseResourceScope('user/*.write')?.grant.permissions ?? [])]).toEqual(['c', 'u', 'd']);
    expect([...(parseResourceScope('system/*.*')?.grant.permissions ?? [])]).toEqual(['c', 'r', 'u', 'd', 's']);
    expect(parseResourceScope(`patient/Observation.rs?category=${LAB}`)?.grant.constraints).toEqual([['category', LAB]]);
    for (const bad of ['patient/Observation.sr', 'patient/Observation.rr', 'patient/Observation.x', 'patient/observation.rs', 'patient/Observation.read?category=x', 'group/*.rs']) {
      expect(parseResourceScope(bad)).toBeNull();
    }
  });
  it('grants the intersection of requested and allowed scopes', () => {
    const contexts = new Set(['patient', 'user'] as const);
    expect(grantable(['patient/Observation.read', 'openid'], ['patient/*.cruds', 'openid'], contexts)).toEqual(['patient/Observation.read', 'openid']);
    expect(grantable(['patient/*.cruds'], ['patient/Observation.rs'], contexts)).toEqual(['patient/Observation.rs']);
    expect(grantable(['patient/*.rs'], ['patient/*.cu'], contexts)).toEqual([]);
    expect(grantable(['system/*.rs', 'telefhir/admin'], ['system/*.rs', 'patient/*.rs'], contexts)).toEqual([]);
    expect(grantable(['offline_access', 'online_access'], ['offline_access', 'online_access'], contexts)).toEqual(['offline_access']);
  });
});

describe('patient scopes', () => {
  it('granular scopes return exactly the matching subset', async () => {
    const t = await token(`launch/patient patient/Observation.rs?category=${LAB}`);
    const res = await get(t, 'Observation');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([`Observation/${aliceLab}`, `Observation/${aliceGroup}`].sort());
    expect((await get(t, `Observation/${aliceLab}`)).status).toBe(200);
    expect((await get(t, `Observation/${aliceVital}`)).status).toBe(404);
    expect((await get(t, `Observation/${bobObs}`)).status).toBe(404);
    expect((await get(t, `Patient/${alice}`)).status).toBe(403);
  });
  it('patient=123 and patient=Patient/123 behave the same', async () => {
    const t = await token('launch/patient patient/Observation.rs');
    const bare = await get(t, `Observation?patient=${alice}`);
    const typed = await get(t, `Observation?patient=Patient/${alice}`);
    expect(ids(bare.body)).toEqual(ids(typed.body));
    expect(ids(bare.body)).toHaveLength(3);
    expect(ids((await get(t, `Observation?patient=${bob}`)).body)).toEqual([]);
  });
  it('_include does not leak across compartments', async () => {
    const t = await token('launch/patient patient/Observation.rs patient/Patient.rs');
    const res = await get(t, `Observation?_id=${aliceGroup}&_include=Observation:has-member`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([`Observation/${aliceGroup}`]);
    const rev = await get(t, `Patient?_revinclude=Observation:subject`);
    expect(ids(rev.body)).not.toContain(`Observation/${bobObs}`);
    expect(ids(rev.body)).not.toContain(`Patient/${bob}`);
  });
  it('writes outside the compartment are refused, inside allowed with c', async () => {
    const t = await token('launch/patient patient/Observation.crs');
    expect((await post(t, observation(alice))).status).toBe(201);
    expect((await post(t, observation(bob))).status).toBe(403);
    const readOnly = await token('launch/patient patient/Observation.rs');
    expect((await post(readOnly, observation(alice))).status).toBe(403);
  });
  it('instance history needs r and stays in the compartment', async () => {
    const t = await token('launch/patient patient/Observation.rs');
    expect((await get(t, `Observation/${aliceLab}/_history`)).status).toBe(200);
    expect((await get(t, `Observation/${bobObs}/_history`)).status).toBe(404);
  });
});

describe('user scopes', () => {
  it('a practitioner reads what the scope names; without a write scope writing is refused', async () => {
    const t = await token('user/Observation.rs');
    expect(ids((await get(t, 'Observation')).body)).toContain(`Observation/${bobObs}`);
    const write = await post(t, observation(bob));
    expect(write.status).toBe(403);
    expect(write.body.resourceType).toBe('OperationOutcome');
    expect((await get(t, `Patient/${bob}`)).status).toBe(403);
    const writer = await token('user/Observation.cru');
    expect((await post(writer, observation(bob))).status).toBe(201);
  });
  it('a patient user with user/ scopes sees only their own compartment', async () => {
    const t = await token('user/*.rs', { username: 'alice', password: 'patient-pass' });
    expect((await get(t, `Patient/${alice}`)).status).toBe(200);
    expect((await get(t, `Patient/${bob}`)).status).toBe(404);
    expect(ids((await get(t, 'Observation')).body)).not.toContain(`Observation/${bobObs}`);
  });
});
