import type { Bundle, BundleEntry, OperationOutcome, Patient } from 'fhir/r4';
import { openClient, post, transaction, type TestClient } from './client';

/**
 * BUNDLE_MAX_OUTPUT_RESOURCES (bundleMaxOutputResources): a batch stops running entries once its
 * response carries that many resources, and says so in every entry left out; a transaction over
 * the limit fails as a whole (nothing written).
 */
let client: TestClient;
beforeAll(async () => {
  client = await openClient({ settings: { bundleMaxOutputResources: 10 } });
  const seed: BundleEntry[] = Array.from({ length: 6 }, (_, i) => ({
    resource: { resourceType: 'Patient', id: `p${i}`, name: [{ family: `Seed${i}` }] },
    request: { method: 'PUT', url: `Patient/p${i}` },
  }));
  expect((await client.send('POST', '', transaction(seed))).status).toBe(200);
});
afterAll(() => client.close());

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family }] });
const get = (url: string): BundleEntry => ({ request: { method: 'GET', url } });
const tooCostly = (entry: BundleEntry | undefined) => {
  expect(entry?.response?.status).toMatch(/^400/);
  const issue = (entry?.response?.outcome as OperationOutcome | undefined)?.issue[0];
  expect(issue).toMatchObject({ severity: 'error', code: 'too-costly' });
  expect(issue?.diagnostics).toMatch(/batch output limit of 10 resources/);
};

describe('batch output limit', () => {
  it('answers entries until the limit, then marks each remaining entry too-costly', async () => {
    // 6 + 6 + 6: the second search takes the response to 12 > 10
    const res = await client.send(
      'POST',
      '',
      transaction([get('Patient'), get('Patient'), get('Patient'), get('metadata')], 'batch'),
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries).toHaveLength(4);
    expect(entries[0]?.response?.status).toMatch(/^200/);
    expect((entries[0]?.resource as Bundle).entry).toHaveLength(6);
    tooCostly(entries[1]);
    tooCostly(entries[2]);
    tooCostly(entries[3]);
  });

  it('keeps the response of a write that crosses the limit (it happened) and skips what follows', async () => {
    const res = await client.send(
      'POST',
      '',
      transaction(
        [
          get('Patient'),
          post(patient('A')),
          post(patient('B')),
          post(patient('C')),
          post(patient('D')),
          post(patient('E')),
        ],
        'batch',
      ),
    );
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.slice(0, 5).map((e) => e.response?.status.slice(0, 3))).toEqual([
      '200',
      '201',
      '201',
      '201',
      '201',
    ]);
    tooCostly(entries[5]);
    const check = await client.send('GET', 'Patient?family=E');
    expect(check.body.total).toBe(0);
  });

  it('fails a transaction whose response exceeds the limit with 400 too-costly, and rolls it back', async () => {
    const entries = [
      get('Patient'),
      post(patient('Rollback'), 'urn:uuid:1b7e4c2e-0f51-4a6e-9c1e-000000000001'),
      get('Patient'),
    ];
    const res = await client.send('POST', '', transaction(entries));
    expect(res.status).toBe(400);
    const issue = (res.body as OperationOutcome).issue[0];
    expect(issue).toMatchObject({ severity: 'error', code: 'too-costly' });
    expect(issue?.diagnostics).toMatch(
      /would exceed 10 resources \(BUNDLE_MAX_OUTPUT_RESOURCES\); nothing was written/,
    );
    expect((await client.send('GET', 'Patient?family=Rollback')).body.total).toBe(0);
  });

  it('runs a batch within the limit as before', async () => {
    const res = await client.send(
      'POST',
      '',
      transaction([get('Patient/p0'), get('Patient/p1'), get('Patient/missing')], 'batch'),
    );
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status.slice(0, 3))).toEqual(['200', '200', '404']);
  });
});
