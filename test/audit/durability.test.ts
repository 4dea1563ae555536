import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent, Bundle } from 'fhir/r4';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { ensureBuilt } from '../helpers/built';

/**
 * An acknowledged request's AuditEvent survives a crash: reads answered 200 by the real server
 * process, SIGKILL while more are in flight, restart on the same DATA_DIR, and every answered
 * read has its record. AUDIT=off records nothing and still refuses API writes of AuditEvent.
 */
jest.setTimeout(180_000);

const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

describe('durability of the audit trail (built server, embedded store)', () => {
  const dirs: string[] = [];
  let server: RunningServer | undefined;
  const start = (dir: string, env: Record<string, string> = {}) => spawnTelefhir(dir, { AUTH: 'off', LOG_LEVEL: 'silent', ...env });
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'telefhir-audit-crash-'));
    dirs.push(d);
    return d;
  };
  beforeAll(() => ensureBuilt());
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const search = async (query: string): Promise<AuditEvent[]> => {
    const res = await fetch(`${server?.url}/fhir/AuditEvent?${query}`, { headers: FHIR_JSON });
    expect(res.status).toBe(200);
    return ((await res.json()) as Bundle).entry?.map((e) => e.resource as AuditEvent) ?? [];
  };

  it('keeps the record of every acknowledged request after SIGKILL', async () => {
    const dataDir = dir();
    server = await start(dataDir);
    const created = await fetch(`${server.url}/fhir/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify({ resourceType: 'Patient' }) });
    const { id } = (await created.json()) as { id: string };
    let acknowledged = 0;
    const read = async () => {
      const res = await fetch(`${server?.url}/fhir/Patient/${id}`, { headers: FHIR_JSON });
      await res.arrayBuffer();
      if (res.status === 200) acknowledged++;
    };
    // concurrent reads: their records are group-committed together
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 8 }, read));
    expect(acknowledged).toBe(40);
    const inFlight = Promise.all(Array.from({ length: 8 }, () => read().catch(() => undefined)));
    await server.stop('SIGKILL');
    await inFlight;

    server = await start(dataDir);
    const reads = await search(`entity=Patient/${id}&subtype=read&_count=1000`);
    expect(reads.length).toBeGreaterThanOrEqual(acknowledged);
    expect((await search(`entity=Patient/${id}&subtype=create`)).length).toBe(1);
    await server.stop();
    server = undefined;
  });

  it('AUDIT=off records nothing, and the API still cannot write AuditEvent', async () => {
    server = await start(dir(), { AUDIT: 'off' });
    await fetch(`${server.url}/fhir/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify({ resourceType: 'Patient' }) });
    expect(await search('')).toEqual([]);
    const write = await fetch(`${server.url}/fhir/AuditEvent`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify({ resourceType: 'AuditEvent' }) });
    expect(write.status).toBe(405);
    await server.stop();
    server = undefined;
  });
});
