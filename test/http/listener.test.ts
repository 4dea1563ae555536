import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestListener } from '../../src/http/app';
import { makeTestApp, type TestApp } from '../helpers/app';

/** The production listener (FHIR fast path outside Express) answers like the Express app. */
describe('requestListener', () => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    t = await makeTestApp();
    server = http.createServer(requestListener(t.app));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('serves FHIR, health and 404s', async () => {
    const created = await fetch(`${base}/fhir/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', active: true }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${base}/fhir/Patient/${id}`, { headers: { 'X-Request-Id': 'fast-1' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-request-id')).toBe('fast-1');
    expect(read.headers.get('x-powered-by')).toBeNull();
    expect(((await read.json()) as { active: boolean }).active).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const missing = await fetch(`${base}/elsewhere`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const xml = await fetch(`${base}/fhir/metadata?_format=xml`);
    expect(xml.status).toBe(406);
  });
});
