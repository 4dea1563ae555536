import jwt from 'jsonwebtoken';
import jose from 'node-jose';
import request from 'supertest';
import { createAuthModule } from '../../src/auth';
import { openLocalAdmin, type LocalAdmin } from '../../src/auth/local-admin';
import { TEST_BASE_URL } from '../helpers/app';
import { downloadAll, exportAll, kickOff, makeBulkApp, observation, pathOf, patient, poll, put, type BulkApp, type Manifest } from './helpers';

/**
 * Authorization of $export (export.html#authorization): SMART Backend Services and user tokens;
 * the export holds only what the kick-off token may read; status and files need a token of the
 * same client (requiresAccessToken: true).
 */
let s: BulkApp;
let admin: LocalAdmin;
let adminToken: string;
const TOKEN_URL = 'http://localhost:8080/auth/token';

const token = async (scope: string, clientId: string, extra: { patient?: string; fhirUser?: string } = {}) => (await admin.issueToken({ scope, clientId, ...extra })).access_token;
const ids = (resources: Array<Record<string, unknown>> | undefined) => (resources ?? []).map((r) => `${r.resourceType as string}/${r.id as string}`).sort();

beforeAll(async () => {
  s = await makeBulkApp({}, { auth: (store, settings) => createAuthModule({ store, baseUrl: settings.baseUrl }) });
  admin = await openLocalAdmin({ store: s.store, baseUrl: TEST_BASE_URL });
  adminToken = await token('system/*.cruds', 'seeder');
  await put(s.app, [patient('p1'), patient('p2'), observation('o1', 'p1'), observation('o2', 'p2')], adminToken);
  await put(s.app, [{ resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'Okafor' }] }], adminToken);
}, 180_000);
afterAll(() => s.close());

describe('SMART Backend Services', () => {
  let key: jose.JWK.Key;
  let manifest: Manifest;
  let accessToken: string;

  beforeAll(async () => {
    key = await jose.JWK.createKey('RSA', 2048, { alg: 'RS384', kid: 'bulk-key' });
    await admin.addClient({ client_id: 'analytics', type: 'backend', jwks: { keys: [key.toJSON(false)] }, scope: 'system/*.rs' });
    const now = Math.floor(Date.now() / 1000);
    const assertion = jwt.sign({ iss: 'analytics', sub: 'analytics', aud: TOKEN_URL, exp: now + 240, jti: `jti-${now}` }, key.toPEM(true), {
      algorithm: 'RS384',
      header: { alg: 'RS384', kid: 'bulk-key', typ: 'JWT' },
    });
    const granted = await request(s.app).post('/auth/token').type('form').send({
      grant_type: 'client_credentials',
      scope: 'system/*.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    expect(granted.status).toBe(200);
    accessToken = granted.body.access_token as string;
    manifest = await exportAll(s.app, '$export', accessToken);
  });

  it('a system/*.rs token exports everything, and the manifest requires an access token', async () => {
    expect(manifest.requiresAccessToken).toBe(true);
    const all = await downloadAll(s.app, manifest, accessToken);
    expect(ids(all.get('Patient'))).toEqual(['Patient/p1', 'Patient/p2']);
    expect(ids(all.get('Observation'))).toEqual(['Observation/o1', 'Observation/o2']);
  });

  it('the kick-off, status and files need a token (401 without)', async () => {
    expect((await kickOff(s.app, '$export')).status).toBe(401);
    const file = manifest.output[0] as { url: string };
    expect((await request(s.app).get(pathOf(file.url))).status).toBe(401);
  });

  it('another token of the same client downloads; a token of another client gets 404 for status and files', async () => {
    const file = manifest.output[0] as { url: string };
    const same = await token('system/*.rs', 'analytics');
    expect((await request(s.app).get(pathOf(file.url)).set('Authorization', `Bearer ${same}`)).status).toBe(200);
    const other = await token('system/*.rs', 'someone-else');
    expect((await request(s.app).get(pathOf(file.url)).set('Authorization', `Bearer ${other}`)).status).toBe(404);
    const kicked = await kickOff(s.app, '$export?_type=Patient', accessToken);
    const statusPath = pathOf(kicked.headers['content-location'] as string);
    expect((await request(s.app).get(statusPath).set('Authorization', `Bearer ${other}`)).status).toBe(404);
    expect((await request(s.app).delete(statusPath).set('Authorization', `Bearer ${other}`)).status).toBe(404);
    expect((await poll(s.app, kicked.headers['content-location'] as string, accessToken)).status).toBe(200);
  });
});

describe('scope filtering', () => {
  it('a system/Observation.rs token exports Observations and no Patients', async () => {
    const observer = await token('system/Observation.rs', 'observer');
    const manifest = await exportAll(s.app, '$export', observer);
    expect([...new Set(manifest.output.map((f) => f.type))]).toEqual(['Observation']);
    const all = await downloadAll(s.app, manifest, observer);
    expect(ids(all.get('Observation'))).toEqual(['Observation/o1', 'Observation/o2']);
  });

  it('Patient/$export with a system/Observation.rs token exports the compartments\' Observations, no Patients', async () => {
    const observer = await token('system/Observation.rs', 'observer3');
    const manifest = await exportAll(s.app, 'Patient/$export', observer);
    expect([...new Set(manifest.output.map((f) => f.type))]).toEqual(['Observation']);
    const all = await downloadAll(s.app, manifest, observer);
    expect(ids(all.get('Observation'))).toEqual(['Observation/o1', 'Observation/o2']);
  });

  it('asking _type=Patient with a system/Observation.rs token exports nothing', async () => {
    const observer = await token('system/Observation.rs', 'observer2');
    const manifest = await exportAll(s.app, '$export?_type=Patient', observer);
    expect(manifest.output).toEqual([]);
  });

  it('a patient/*.rs token exports only its patient compartment', async () => {
    const app = await token('launch/patient patient/*.rs', 'patient-app', { patient: 'p1' });
    const all = await downloadAll(s.app, await exportAll(s.app, 'Patient/$export', app), app);
    expect([...ids(all.get('Patient')), ...ids(all.get('Observation'))]).toEqual(['Patient/p1', 'Observation/o1']);
  });

  it('a user/*.rs token of a patient user exports only that patient; of a practitioner, everything readable', async () => {
    const patientUser = await token('openid fhirUser user/*.rs', 'portal', { fhirUser: 'Patient/p2' });
    const own = await downloadAll(s.app, await exportAll(s.app, '$export', patientUser), patientUser);
    expect([...own.values()].flat().map((r) => `${r.resourceType as string}/${r.id as string}`).sort()).toEqual(['Observation/o2', 'Patient/p2']);
    const clinician = await token('openid fhirUser user/Patient.rs', 'ehr', { fhirUser: 'Practitioner/dr1' });
    const all = await downloadAll(s.app, await exportAll(s.app, '$export', clinician), clinician);
    expect([...all.keys()]).toEqual(['Patient']);
    expect(ids(all.get('Patient'))).toEqual(['Patient/p1', 'Patient/p2']);
  });
});

describe('per-client limit', () => {
  it('counts unfinished exports per client: 429 for the client at its limit, others unaffected', async () => {
    await s.bulk.stop(); // from here on nothing runs: kicked-off jobs stay queued
    const busy = await token('system/*.rs', 'busy-client');
    expect((await kickOff(s.app, '$export', busy)).status).toBe(202);
    expect((await kickOff(s.app, '$export', busy)).status).toBe(202);
    const third = await kickOff(s.app, '$export', busy);
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect((await kickOff(s.app, '$export', await token('system/*.rs', 'calm-client'))).status).toBe(202);
  });
});
