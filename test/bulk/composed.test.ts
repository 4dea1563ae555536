import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapabilityStatement } from 'fhir/r4';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { ensureBuilt } from '../helpers/built';

/**
 * The built server as `npm start` runs it (src/compose.ts wires the bulk module and its worker),
 * driven over HTTP with fetch as the IG describes the flow.
 */
jest.setTimeout(180_000);

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'telefhir-bulk-composed-'));
  server = await spawnTelefhir(dir, { BULK_FILE_MAX_RESOURCES: '2' });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('advertises $export, runs it in the background and serves the files, with BULK_FILE_MAX_RESOURCES applied', async () => {
  const capability = (await (await fetch(`${server.url}/fhir/metadata`)).json()) as CapabilityStatement;
  expect(capability.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
  for (const family of ['Ada', 'Bo', 'Cy']) {
    const created = await fetch(`${server.url}/fhir/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }) });
    expect(created.status).toBe(201);
  }

  const kick = await fetch(`${server.url}/fhir/$export?_type=Patient`, { headers: { Prefer: 'respond-async', Accept: 'application/fhir+json' } });
  expect(kick.status).toBe(202);
  // absolute, on BASE_URL (http://localhost:PORT/fhir by default); asked here on the loopback address
  const location = new URL(kick.headers.get('content-location') as string);
  expect(location.pathname).toMatch(/^\/fhir\/\$export-poll-status\/[a-f0-9]{24}$/);
  const statusUrl = `${server.url}${location.pathname}`;
  let manifest: { output: Array<{ url: string; count: number }> } | undefined;
  for (let i = 0; i < 600 && !manifest; i++) {
    const res = await fetch(statusUrl);
    if (res.status === 200) manifest = (await res.json()) as typeof manifest;
    else {
      expect(res.status).toBe(202);
      await res.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  expect(manifest?.output.map((f) => f.count)).toEqual([2, 1]);
  const lines: string[] = [];
  for (const file of manifest?.output ?? []) {
    const res = await fetch(`${server.url}${new URL(file.url).pathname}`, { headers: { Accept: 'application/fhir+ndjson' } });
    expect(res.headers.get('content-type')).toBe('application/fhir+ndjson');
    lines.push(...(await res.text()).split('\n').filter(Boolean));
  }
  expect(lines.map((l) => (JSON.parse(l) as { name: Array<{ family: string }> }).name[0]?.family).sort()).toEqual(['Ada', 'Bo', 'Cy']);
});

it('stops gracefully (the worker gives way before the store closes): exit code 0', async () => {
  expect(await server.stop('SIGTERM')).toBe(0);
});
