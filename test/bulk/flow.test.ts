import request from 'supertest';
import { TEST_BASE_URL } from '../helpers/app';
import { download, downloadAll, exportAll, kickOff, makeBulkApp, observation, pathOf, patient, poll, put, type BulkApp, type Manifest } from './helpers';

/** The whole $export flow over HTTP (Bulk Data IG 2.0.0, export.html), AUTH=off. */
let s: BulkApp;

beforeAll(async () => {
  s = await makeBulkApp({ fileMaxResources: 4, pageSize: 3 });
  await put(s.app, [patient('p1'), patient('p2'), patient('p3')]);
  await put(s.app, [
    observation('o1', 'p1'),
    observation('o2', 'p1', '85354-9'),
    observation('o3', 'p2'),
    observation('o4', 'p2', '85354-9'),
    observation('o5', 'p3'),
    observation('o6', 'p3'),
  ]);
  await put(s.app, [{ resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'Okafor' }] }]);
  await put(s.app, [{ resourceType: 'Group', id: 'g1', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/p1' } }, { entity: { reference: 'Patient/p3' } }] }]);
}, 180_000);
afterAll(() => s.close());

const ids = (resources: Array<Record<string, unknown>> | undefined) => (resources ?? []).map((r) => r.id as string).sort();

describe('system level $export', () => {
  let manifest: Manifest;
  beforeAll(async () => {
    manifest = await exportAll(s.app, '$export');
  });

  it('answers a manifest with transactionTime, request, requiresAccessToken and absolute file URLs', () => {
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    expect(manifest.request).toBe(`${TEST_BASE_URL}/$export`);
    expect(manifest.requiresAccessToken).toBe(false);
    expect(manifest.error).toEqual([]);
    for (const file of manifest.output) expect(file.url.startsWith(`${TEST_BASE_URL}/`)).toBe(true);
  });

  it('exports every type with data, each resource once, split at BULK_FILE_MAX_RESOURCES', async () => {
    const types = [...new Set(manifest.output.map((f) => f.type))].sort();
    expect(types).toEqual(['Group', 'Observation', 'Patient', 'Practitioner']);
    const observationFiles = manifest.output.filter((f) => f.type === 'Observation');
    expect(observationFiles.map((f) => f.count)).toEqual([4, 2]);
    const all = await downloadAll(s.app, manifest);
    expect(ids(all.get('Observation'))).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
    expect(ids(all.get('Patient'))).toEqual(['p1', 'p2', 'p3']);
    expect((all.get('Patient') ?? [])[0]?.meta).toBeDefined();
  });

  it('never exports the server-internal collections (the job collection itself)', () => {
    expect(manifest.output.some((f) => !/^[A-Z]/.test(f.type))).toBe(false);
  });

  it('refuses a download asked for as something other than NDJSON (406)', async () => {
    const file = manifest.output[0] as Manifest['output'][number];
    const res = await request(s.app).get(pathOf(file.url)).set('Accept', 'text/html');
    expect(res.status).toBe(406);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('kick-off parameters', () => {
  it('_type limits the export to the listed types', async () => {
    const manifest = await exportAll(s.app, '$export?_type=Patient,Practitioner');
    expect([...new Set(manifest.output.map((f) => f.type))].sort()).toEqual(['Patient', 'Practitioner']);
  });

  it('_since exports only resources changed after the instant', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put(s.app, [{ ...observation('o2', 'p1', '85354-9'), status: 'amended' }]);
    const manifest = await exportAll(s.app, `$export?_since=${encodeURIComponent(since)}`);
    const all = await downloadAll(s.app, manifest);
    expect([...all.keys()]).toEqual(['Observation']);
    expect(ids(all.get('Observation'))).toEqual(['o2']);
  });

  it('_typeFilter: queries of one type are ORed; types without a filter are exported whole', async () => {
    const filters = ['Observation?code=85354-9&subject=Patient/p1', 'Observation?subject=Patient/p3'].map((f) => `_typeFilter=${encodeURIComponent(f)}`).join('&');
    const manifest = await exportAll(s.app, `$export?_type=Observation,Patient&${filters}`);
    const all = await downloadAll(s.app, manifest);
    expect(ids(all.get('Observation'))).toEqual(['o2', 'o5', 'o6']);
    expect(ids(all.get('Patient'))).toEqual(['p1', 'p2', 'p3']);
  });

  it('_elements keeps the listed elements (and mandatory ones), marked SUBSETTED', async () => {
    const manifest = await exportAll(s.app, '$export?_type=Patient&_elements=gender');
    const [first] = (await downloadAll(s.app, manifest)).get('Patient') ?? [];
    expect(first?.gender).toBe('female');
    expect(first?.name).toBeUndefined();
    expect(JSON.stringify(first?.meta)).toContain('SUBSETTED');
  });

  it('accepts a POST kick-off with a Parameters resource', async () => {
    const res = await request(s.app)
      .post('/fhir/$export')
      .set('Prefer', 'respond-async')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Practitioner' }, { name: '_outputFormat', valueString: 'ndjson' }] }));
    expect(res.status).toBe(202);
    const done = await poll(s.app, res.headers['content-location'] as string);
    const manifest = JSON.parse(done.text) as Manifest;
    expect(manifest.output.map((f) => f.type)).toEqual(['Practitioner']);
  });
});

describe('Patient and Group level', () => {
  it('Patient/$export exports every patient compartment, not the other resources', async () => {
    const all = await downloadAll(s.app, await exportAll(s.app, 'Patient/$export'));
    expect(ids(all.get('Patient'))).toEqual(['p1', 'p2', 'p3']);
    expect(ids(all.get('Observation'))).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
    expect(all.has('Practitioner')).toBe(false);
    // a Group is in the compartment of its members (CompartmentDefinition patient: Group.member)
    expect(ids(all.get('Group'))).toEqual(['g1']);
  });

  it('Group/[id]/$export exports the compartments of the Patients in Group.member', async () => {
    const all = await downloadAll(s.app, await exportAll(s.app, 'Group/g1/$export'));
    expect(ids(all.get('Patient'))).toEqual(['p1', 'p3']);
    expect(ids(all.get('Observation'))).toEqual(['o1', 'o2', 'o5', 'o6']);
  });

  it('the patient parameter (POST) narrows a Patient or Group export to those patients', async () => {
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: 'Patient/p3' } }, { name: '_type', valueString: 'Patient,Observation' }] });
    for (const path of ['Patient/$export', 'Group/g1/$export']) {
      const res = await request(s.app).post(`/fhir/${path}`).set('Prefer', 'respond-async').set('Content-Type', 'application/fhir+json').send(body);
      expect(res.status).toBe(202);
      const all = await downloadAll(s.app, JSON.parse((await poll(s.app, res.headers['content-location'] as string)).text) as Manifest);
      expect(ids(all.get('Patient'))).toEqual(['p3']);
      expect(ids(all.get('Observation'))).toEqual(['o5', 'o6']);
    }
    const system = await request(s.app).post('/fhir/$export').set('Prefer', 'respond-async').set('Content-Type', 'application/fhir+json').send(body);
    expect(system.status).toBe(400);
  });

  it('Group/[id]/$export of an unknown group is 404', async () => {
    const res = await kickOff(s.app, 'Group/nope/$export');
    expect(res.status).toBe(404);
  });
});

describe('cancel and expiry', () => {
  it('DELETE on the status URL cancels (202); later polls and downloads are 404', async () => {
    const kicked = await kickOff(s.app, '$export');
    const statusUrl = kicked.headers['content-location'] as string;
    const manifest = JSON.parse((await poll(s.app, statusUrl)).text) as Manifest;
    const cancelled = await request(s.app).delete(pathOf(statusUrl));
    expect(cancelled.status).toBe(202);
    expect((await request(s.app).get(pathOf(statusUrl))).status).toBe(404);
    expect((await request(s.app).get(pathOf((manifest.output[0] as { url: string }).url))).status).toBe(404);
    expect((await request(s.app).delete(pathOf(statusUrl))).status).toBe(404);
  });

  it('a running job can be cancelled too', async () => {
    const kicked = await kickOff(s.app, '$export');
    const statusUrl = kicked.headers['content-location'] as string;
    expect((await request(s.app).delete(pathOf(statusUrl))).status).toBe(202);
    expect((await request(s.app).get(pathOf(statusUrl))).status).toBe(404);
  });

  it('a finished export expires after BULK_EXPIRY: status and files 404, then removed', async () => {
    const short = await makeBulkApp({ expirySeconds: 1 });
    try {
      await put(short.app, [patient('x1')]);
      const kicked = await kickOff(short.app, '$export');
      const statusUrl = kicked.headers['content-location'] as string;
      const manifest = JSON.parse((await poll(short.app, statusUrl)).text) as Manifest;
      const fileUrl = (manifest.output[0] as { url: string }).url;
      expect((await download(short.app, fileUrl)).length).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect((await request(short.app).get(pathOf(statusUrl))).status).toBe(404);
      expect((await request(short.app).get(pathOf(fileUrl))).status).toBe(404);
      // the sweep removes the job and its file from the store
      const id = pathOf(statusUrl).split('/').pop() as string;
      for (let i = 0; i < 100 && (await short.store.collection('bulk_jobs').findOne({ _id: id })); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await short.store.collection('bulk_jobs').findOne({ _id: id })).toBeNull();
      expect(await short.store.blobs.stat(`bulk-${id}-0`)).toBeNull();
    } finally {
      await short.close();
    }
  });
});
