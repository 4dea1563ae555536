import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapabilityStatement } from 'fhir/r4';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { ensureBuilt } from '../helpers/built';

/** The server as `npm start` runs it: every module wired by src/compose.ts, over real HTTP. */


describe('the built server, composed as in production', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string>): Promise<RunningServer> => {
    const dir = mkdtempSync(path.join(tmpdir(), 'telefhir-composed-'));
    dirs.push(dir);
    const server = await spawnTelefhir(dir, env);
    servers.push(server);
    return server;
  };
  beforeAll(() => ensureBuilt());
  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('AUTH=off: advertises and runs $everything, $lastn, $validate and the telehealth operations', async () => {
    const server = await start({ AUTH: 'off' });
    const capability = (await (await fetch(`${server.url}/fhir/metadata`)).json()) as CapabilityStatement;
    const rest = capability.rest?.[0];
    const ops = (type: string) => (rest?.resource?.find((r) => r.type === type)?.operation ?? []).map((o) => o.name);
    expect(ops('Patient')).toContain('everything');
    expect(ops('Observation')).toContain('lastn');
    expect(ops('Appointment')).toEqual(expect.arrayContaining(['book', 'start-visit', 'end-visit']));
    expect((rest?.operation ?? []).map((o) => o.name)).toContain('validate');
    expect(rest?.security).toBeUndefined();

    const created = await fetch(`${server.url}/fhir/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Composed' }] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const everything = await fetch(`${server.url}/fhir/Patient/${id}/$everything`);
    expect(everything.status).toBe(200);
    expect(((await everything.json()) as { entry?: unknown[] }).entry).toHaveLength(1);

    const invalid = await fetch(`${server.url}/fhir/Patient/$validate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'sometimes' }),
    });
    expect(invalid.status).toBe(200);
    const outcome = (await invalid.json()) as { resourceType: string; issue: Array<{ severity: string }> };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.some((i) => i.severity === 'error')).toBe(true);
  });

  it('AUTH on by default: SMART discovery and security are advertised and data needs a token', async () => {
    const server = await start({ AUTH: '' });
    const capability = (await (await fetch(`${server.url}/fhir/metadata`)).json()) as CapabilityStatement;
    expect(capability.rest?.[0]?.security?.service?.[0]?.coding?.[0]?.code).toBe('SMART-on-FHIR');
    const discovery = await fetch(`${server.url}/fhir/.well-known/smart-configuration`);
    expect(discovery.status).toBe(200);
    expect((await discovery.json()) as object).toHaveProperty('token_endpoint');
    const read = await fetch(`${server.url}/fhir/Patient`);
    expect(read.status).toBe(401);
    expect(read.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await read.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });
});
