import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { ensureBuilt } from '../helpers/built';

/**
 * Durability of acknowledged writes: POST Patients one after the other to the real server process,
 * SIGKILL it while a write is in flight, start it again on the same DATA_DIR, and read back every
 * write that had been answered 201.
 */
jest.setTimeout(180_000);

const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

describe('crash recovery of the built server (embedded store)', () => {
  let dataDir: string;
  let server: RunningServer | undefined;

  beforeAll(() => {
    ensureBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-crash-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write after SIGKILL', async () => {
    server = await spawnTelefhir(dataDir, { LOG_LEVEL: 'silent' });
    const acknowledged = new Map<string, string>();
    const post = async (n: number) => {
      const family = `Crash${n}`;
      const res = await fetch(`${server?.url}/fhir/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }) });
      const body = (await res.json()) as { id?: string };
      if (res.status === 201 && body.id) acknowledged.set(body.id, family);
      return res.status;
    };
    for (let n = 0; n < 40; n++) expect(await post(n)).toBe(201);
    // one more write in flight when the process dies: it may or may not survive, but must not corrupt
    const inFlight = post(40).catch(() => 0);
    await server.stop('SIGKILL');
    await inFlight;
    expect(acknowledged.size).toBeGreaterThanOrEqual(40);

    server = await spawnTelefhir(dataDir, { LOG_LEVEL: 'silent' });
    for (const [id, family] of acknowledged) {
      const res = await fetch(`${server.url}/fhir/Patient/${id}`, { headers: FHIR_JSON });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { name?: Array<{ family?: string }> };
      expect(body.name?.[0]?.family).toBe(family);
    }
    // and the restarted server still takes writes
    expect(await post(41)).toBe(201);
    await server.stop();
    expect(await server.exited).toBe(0);
  });
});
