import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Patient } from 'fhir/r4';
import { makeTestApp, type TestApp } from '../helpers/app';
import { fixture } from '../core/helpers';

/**
 * The core interactions as a real FHIR client performs them over HTTP: fhir-kit-client for
 * capabilities, create, read, update, vread, history, search and delete (fhir-kit-session.mjs),
 * and fetch for the HL7 example round-trips and a version race.
 */
describe('over HTTP with real clients', () => {
  let test: TestApp;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    test = await makeTestApp();
    server = test.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await test.close();
  });

  it('fhir-kit-client: capabilities, create, read, update, vread, history, search, delete and errors', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, 'fhir-kit-session.mjs'), base], { timeout: 60_000 });
    const out = JSON.parse(stdout);
    expect(out.capability).toEqual({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', types: expect.any(Number) });
    expect(out.capability.types).toBeGreaterThanOrEqual(140);
    expect(out.created.versionId).toBe('1');
    expect(out.read).toEqual({ family: 'Kit', versionId: '1' });
    expect(out.updated).toEqual({ gender: 'other', versionId: '2' });
    expect(out.vread).toEqual({ gender: 'female', versionId: '1' });
    expect(out.history).toEqual({ type: 'history', versions: ['2', '1'] });
    expect(out.typeHistory.type).toBe('history');
    expect(out.search).toEqual({ type: 'searchset', ids: [out.created.id] });
    expect(out.afterDelete).toBe(410);
    expect(out.unknown).toBe(404);
    expect(out.invalid).toBe(422);
  }, 180_000);

  it.each(['Patient-example.json', 'Encounter-example.json', 'Observation-example.json', 'Appointment-example.json'])(
    'round-trips the HL7 example %s: what is read equals what was sent, apart from meta',
    async (name) => {
      const resource = fixture(name) as unknown as Record<string, unknown>;
      const sent = { ...resource };
      delete sent.id;
      const created = await fetch(`${base}/${String(resource.resourceType)}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(sent) });
      expect(created.status).toBe(201);
      const location = created.headers.get('location') ?? '';
      expect(location).toMatch(new RegExp(`/${String(resource.resourceType)}/[A-Za-z0-9.-]+/_history/1$`));
      const { id } = (await created.json()) as { id: string };
      expect(location.endsWith(`/${String(resource.resourceType)}/${id}/_history/1`)).toBe(true);
      const read = await fetch(`${base}/${String(resource.resourceType)}/${id}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('W/"1"');
      const body = (await read.json()) as Record<string, unknown>;
      const withoutMeta = (r: Record<string, unknown>) => {
        const copy = { ...r };
        delete copy.meta;
        delete copy.id;
        return copy;
      };
      expect(withoutMeta(body)).toEqual(withoutMeta(sent));
    },
  );

  it('two updates with the same If-Match: exactly one 200 and one 412', async () => {
    const created = (await (await fetch(`${base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', active: true }) })).json()) as Patient;
    const update = (gender: string) =>
      fetch(`${base}/Patient/${created.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json', 'if-match': 'W/"1"' },
        body: JSON.stringify({ resourceType: 'Patient', id: created.id, gender }),
      });
    const statuses = (await Promise.all([update('male'), update('female')])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412]);
  });
});
