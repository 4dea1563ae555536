import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { generateDataset } from '../../seed/dataset';
import { ensureBuilt } from '../helpers/built';
import { startServer, type ListeningServer } from './server';

const root = path.join(__dirname, '..', '..');

/**
 * The seed loader runs as the operator runs it: compiled (the build's dist/seed, shared with the
 * other suites instead of a tsc run of its own), in its own node process, with fhir-kit-client.
 */
function compileLoader(): string {
  ensureBuilt();
  return path.join(root, 'dist', 'seed');
}

/** Asynchronous: the server answering the loader lives in this very process. */
async function runLoader(out: string, base: string, ...args: string[]): Promise<string> {
  return runLoaderWith({}, out, base, ...args);
}

async function runLoaderWith(env: Record<string, string>, out: string, base: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(out, 'load.js'), '--base', base, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ADMIN_CLIENT_SECRET: '', FHIR_TOKEN: '', ...env },
    });
    return stdout;
  } catch (error) {
    const e = error as { code?: number; stderr?: string; stdout?: string };
    throw new Error(`seed failed (${e.code}): ${e.stderr}\n${e.stdout}`);
  }
}

describe('seed dataset', () => {
  it('is deterministic for a seed and different for another', () => {
    const today = new Date('2025-03-01T00:00:00Z');
    const a = JSON.stringify(generateDataset({ patients: 5, seed: 7, today }));
    expect(JSON.stringify(generateDataset({ patients: 5, seed: 7, today }))).toBe(a);
    expect(JSON.stringify(generateDataset({ patients: 5, seed: 8, today }))).not.toBe(a);
    const big = generateDataset({ patients: 100, seed: 42, today });
    expect(big.counts).toMatchObject({ Patient: 100, Practitioner: 10, Schedule: 10 });
    expect(big.counts.Observation).toBeGreaterThan(4000);
  });

  describe('loaded through the FHIR API', () => {
    let server: ListeningServer;
    let out: string;
    beforeAll(async () => {
      out = compileLoader();
      server = await startServer();
    }, 240_000);
    afterAll(async () => {
      await server?.close();
    });

    it('loads --patients 5, the telehealth searches find it, and a second run creates nothing', async () => {
      const first = await runLoader(out, server.base, '--patients', '5', '--seed', '7');
      expect(first).toMatch(/Created \d+/);
      const total = async (query: string) => (await server.get(`${query}${query.includes('?') ? '&' : '?'}_summary=count`)).body.total as number;
      expect(await total('Patient?identifier=https://telefhir.example/mrn|MRN-000001')).toBe(1);
      // + the well-known examples of seed/examples.ts (one Patient, one Practitioner, ...)
      expect(await total('Patient')).toBe(5 + 1);
      expect(await total('Patient?_id=example-patient')).toBe(1);
      expect(await total('Practitioner')).toBe(10 + 1);
      expect(await total('Slot?status=free')).toBeGreaterThan(0);
      expect(await total('Appointment?status=booked')).toBeGreaterThan(0);
      expect(await total('Encounter?class=VR')).toBe(5 + 1);
      expect(await total('Observation?code=http://loinc.org|8867-4')).toBe(5 * 30 + 1);
      expect(await total('Flag?status=active')).toBeGreaterThan(0);
      expect(await total('Media?patient.identifier=https://telefhir.example/mrn|MRN-000001')).toBe(1);
      const photo = (await server.get('Media?_count=1')).body.entry[0].resource;
      expect((await server.get(photo.content.url)).status).toBe(200);
      const counts = ['Patient', 'Observation', 'Appointment', 'Encounter', 'Flag', 'Media', 'Binary', 'Slot', 'Device'];
      const before = await Promise.all(counts.map((t) => total(t)));
      const second = await runLoader(out, server.base, '--patients', '5', '--seed', '7');
      expect(second).toMatch(/Created 0:/);
      expect(await Promise.all(counts.map((t) => total(t)))).toEqual(before);
    }, 240_000);
  });

  describe('with authorization on (the built server, as `npm start` runs it)', () => {
    const secret = 'seed-test-admin-secret-0123456789';
    let server: RunningServer;
    let out: string;
    let dataDir: string;
    beforeAll(async () => {
      out = compileLoader();
      dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-seed-auth-'));
      server = await spawnTelefhir(dataDir, { AUTH: 'on', ADMIN_CLIENT_SECRET: secret, LOG_LEVEL: 'silent' });
    }, 240_000);
    afterAll(async () => {
      await server?.stop('SIGKILL');
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('refuses to start without credentials, and says which', async () => {
      await expect(runLoaderWith({}, out, `${server.url}/fhir`, '--patients', '1')).rejects.toThrow(/ADMIN_CLIENT_SECRET/);
      await expect(runLoaderWith({ ADMIN_CLIENT_SECRET: 'not-the-servers-secret' }, out, `${server.url}/fhir`, '--patients', '1')).rejects.toThrow(/refused the admin client/);
    }, 180_000);

    it('loads with the admin secret and registers the demo SMART app and users once', async () => {
      const base = `${server.url}/fhir`;
      const first = await runLoaderWith({ ADMIN_CLIENT_SECRET: secret }, out, base, '--patients', '2', '--seed', '3');
      expect(first).toMatch(/Created \d+/);
      expect(first).toMatch(/client_id telefhir-demo-app \(public, PKCE S256\) registered/);
      const password = /Demo user dr\.demo \(practitioner, Practitioner\/[\w.-]+\): password (\S+) \(shown once\)/.exec(first)?.[1];
      expect(password).toBeDefined();

      const tokenRes = await fetch(`${server.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`admin:${secret}`).toString('base64')}` },
        body: 'grant_type=client_credentials&scope=' + encodeURIComponent('system/*.cruds telefhir/admin'),
      });
      const token = ((await tokenRes.json()) as { access_token: string }).access_token;
      const get = async (url: string) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const client = await get(`${server.url}/auth/admin/clients/telefhir-demo-app`);
      expect(client).toMatchObject({ client_id: 'telefhir-demo-app', type: 'public', redirect_uris: ['http://localhost:3000/callback', 'http://localhost:3000/'] });
      const users = (await get(`${server.url}/auth/admin/users`)) as Array<{ id?: string; username?: string; _id?: string; role: string; fhirUser: string }>;
      for (const [name, role] of [['dr.demo', 'practitioner'], ['patient.demo', 'patient']]) {
        const user = users.find((u) => (u.id ?? u.username ?? u._id) === name);
        expect(user?.role).toBe(role);
        // the fhirUser points at a seeded resource
        const target = await fetch(`${base}/${user?.fhirUser}`, { headers: { authorization: `Bearer ${token}` } });
        expect(target.status).toBe(200);
      }
      expect((await get(`${base}/Patient?_summary=count`)).total).toBe(2 + 1);

      const second = await runLoaderWith({ ADMIN_CLIENT_SECRET: secret }, out, base, '--patients', '2', '--seed', '3');
      expect(second).toMatch(/Created 0:/);
      expect(second).toMatch(/already registered/);
      expect(second).not.toContain(password as string);
    }, 240_000);
  });
});
