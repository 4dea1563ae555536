import type { CapabilityStatement } from 'fhir/r4';
import request from 'supertest';
import { download, kickOff, makeBulkApp, patient, poll, put, type BulkApp, type Manifest } from './helpers';

/** Kick-off errors (export.html#bulk-data-kick-off-request): every refusal is a 4xx OperationOutcome. */
let s: BulkApp;

beforeAll(async () => {
  s = await makeBulkApp({ maxJobsPerClient: 1 });
  await put(s.app, [patient('p1')]);
}, 180_000);
afterAll(() => s.close());

const expectOutcome = (res: request.Response, status: number, text: RegExp) => {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(JSON.stringify(res.body.issue)).toMatch(text);
};

describe('kick-off refusals', () => {
  it('requires Prefer: respond-async (400)', async () => {
    expectOutcome(await kickOff(s.app, '$export', undefined, 'return=minimal'), 400, /respond-async/);
    expectOutcome(await request(s.app).get('/fhir/$export'), 400, /respond-async/);
  });

  it('accepts the three NDJSON _outputFormat spellings and refuses others (400)', async () => {
    expectOutcome(await kickOff(s.app, '$export?_outputFormat=application/fhir%2Bjson'), 400, /_outputFormat/);
    expectOutcome(await kickOff(s.app, '$export?_outputFormat=text/csv'), 400, /_outputFormat/);
    for (const format of ['application/fhir%2Bndjson', 'application/ndjson', 'ndjson']) {
      const res = await kickOff(s.app, `$export?_type=Patient&_outputFormat=${format}`);
      expect(res.status).toBe(202);
      await poll(s.app, res.headers['content-location'] as string);
    }
  });

  it('refuses an unknown _type (400), ignores it with Prefer: handling=lenient and says so in the error file', async () => {
    expectOutcome(await kickOff(s.app, '$export?_type=Patient,Unicorn'), 400, /Unicorn/);
    const res = await kickOff(s.app, '$export?_type=Patient,Unicorn', undefined, 'respond-async, handling=lenient');
    expect(res.status).toBe(202);
    const manifest = JSON.parse((await poll(s.app, res.headers['content-location'] as string)).text) as Manifest;
    expect(manifest.output.map((f) => f.type)).toEqual(['Patient']);
    expect(manifest.error).toHaveLength(1);
    const [outcome] = (await download(s.app, (manifest.error[0] as { url: string }).url)) as Array<{ resourceType: string; issue: Array<{ diagnostics: string }> }>;
    expect(manifest.error[0]?.type).toBe('OperationOutcome');
    expect(outcome?.resourceType).toBe('OperationOutcome');
    expect(outcome?.issue[0]?.diagnostics).toMatch(/Unicorn/);
  });

  it('refuses a malformed _since (400)', async () => {
    expectOutcome(await kickOff(s.app, '$export?_since=yesterday'), 400, /_since/);
    expectOutcome(await kickOff(s.app, '$export?_since=2024-01-01'), 400, /_since/);
  });

  it('refuses a malformed or unknown _typeFilter (400)', async () => {
    expectOutcome(await kickOff(s.app, `$export?_typeFilter=${encodeURIComponent('code=123')}`), 400, /_typeFilter/);
    expectOutcome(await kickOff(s.app, `$export?_typeFilter=${encodeURIComponent('Patient?bogus=1')}`), 400, /bogus/);
    expectOutcome(await kickOff(s.app, `$export?_typeFilter=${encodeURIComponent('Patient?_count=1')}`), 400, /_count/);
  });

  it('refuses unsupported parameters (400) unless lenient', async () => {
    expectOutcome(await kickOff(s.app, '$export?includeAssociatedData=LatestProvenanceResources'), 400, /includeAssociatedData/);
    expectOutcome(await kickOff(s.app, '$export?_elements=na%20me'), 400, /_elements/);
  });

  it('refuses a POST body that is not a Parameters resource (400)', async () => {
    const res = await request(s.app).post('/fhir/$export').set('Prefer', 'respond-async').set('Content-Type', 'application/fhir+json').send('[1]');
    expect(res.status).toBe(400);
  });

  it('answers 404 for an unknown status or file URL, 405 for other methods', async () => {
    expect((await request(s.app).get('/fhir/$export-poll-status/0123456789abcdef01234567')).status).toBe(404);
    expect((await request(s.app).get('/fhir/$export-file/0123456789abcdef01234567/0')).status).toBe(404);
    expect((await request(s.app).post('/fhir/$export-poll-status/0123456789abcdef01234567')).status).toBe(405);
  });
});

describe('limits', () => {
  it('refuses a second concurrent export of the same client with 429 and Retry-After', async () => {
    await s.bulk.stop(); // nothing runs: the first job stays queued
    const first = await kickOff(s.app, '$export');
    expect(first.status).toBe(202);
    const second = await kickOff(s.app, '$export');
    expectOutcome(second, 429, /At most 1 export/);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    // cancelling the first frees the slot
    expect((await request(s.app).delete(new URL(first.headers['content-location'] as string).pathname)).status).toBe(202);
    expect((await kickOff(s.app, '$export')).status).toBe(202);
  });
});

describe('CapabilityStatement', () => {
  it('instantiates the Bulk Data capability statement and lists export at system, Patient and Group level', async () => {
    const statement = (await request(s.app).get('/fhir/metadata')).body as CapabilityStatement;
    expect(statement.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    const rest = statement.rest?.[0];
    expect(rest?.operation).toContainEqual(expect.objectContaining({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }));
    const op = (type: string) => rest?.resource?.find((r) => r.type === type)?.operation ?? [];
    expect(op('Patient')).toContainEqual(expect.objectContaining({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' }));
    expect(op('Group')).toContainEqual(expect.objectContaining({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }));
  });
});
