import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { generateDataset, SYSTEM } from '../../seed/dataset';
import { composeServer } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { requestListener } from '../../src/http/app';
import { silentLogger } from '../../src/log';
import type { DocumentStore } from '../../src/storage/port';

export const ADMIN_SECRET = 'console-test-admin-secret-0123';
export const ADMIN_USER = { username: 'console-admin', password: 'console-admin-pass', role: 'admin', name: 'Console Admin' };
export const PRACTITIONER_USER = { username: 'console-dr', password: 'console-dr-pass', role: 'practitioner' };

export interface ConsoleServer {
  origin: string;
  base: string;
  store: DocumentStore;
  adminToken?: string;
  close(): Promise<void>;
}

/** The whole server as src/compose.ts wires it (console included), on a loopback port and a temp dir. */
export async function startConsoleServer(options: { auth: boolean }): Promise<ConsoleServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-console-'));
  const holder: { app?: Express } = {};
  const server: Server = createServer((req, res) => (holder.app ? requestListener(holder.app)(req, res) : res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `${origin}/fhir`;
  const config = loadConfig({ DATA_DIR: dataDir, BASE_URL: base, AUTH: options.auth ? 'on' : 'off', LOG_LEVEL: 'silent' }, []);
  // tight heart-rate limits so that the seeded readings raise a few Flags
  const env = { ADMIN_CLIENT_SECRET: ADMIN_SECRET, RPM_THRESHOLDS: '{"8867-4": {"low": 60, "high": 78}}' };
  const composed = await composeServer(config, silentLogger, env);
  holder.app = composed.app;
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await composed.store.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { origin, base, store: composed.store, close };
}

export async function adminToken(s: ConsoleServer): Promise<string> {
  const response = await fetch(`${s.origin}/auth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'telefhir/admin system/*.cruds' }),
  });
  if (!response.ok) throw new Error(`admin token: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Loads the synthetic telehealth dataset (6 patients, all with devices and 30 days of readings). */
export async function seed(s: ConsoleServer, token?: string): Promise<void> {
  const dataset = generateDataset({ patients: 6, seed: 11, today: new Date(new Date().toISOString().slice(0, 10)) });
  const send = async (method: string, url: string, body: unknown) => {
    const response = await fetch(`${s.base}/${url}`, {
      method,
      headers: { 'Content-Type': 'application/fhir+json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`seed ${method} ${url}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  };
  for (const bundle of dataset.bundles) await send('POST', '', bundle);
  for (const photo of dataset.photos) {
    await send('PUT', `Binary/${photo.binary.id as string}`, photo.binary);
    await send('POST', '', photo.media);
  }
}

export async function registerUser(s: ConsoleServer, token: string, user: Record<string, string>): Promise<void> {
  const response = await fetch(`${s.origin}/auth/admin/users`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(user) });
  if (response.status !== 201) throw new Error(`register user: ${response.status} ${await response.text()}`);
}

/** The id of seeded patient n (MRN-00000n): the first has a photo (Media + Binary) as well. */
export async function patientId(s: ConsoleServer, n: number, token?: string): Promise<string> {
  const response = await fetch(`${s.base}/Patient?identifier=${encodeURIComponent(`${SYSTEM.mrn}|MRN-${String(n).padStart(6, '0')}`)}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const bundle = (await response.json()) as { entry?: Array<{ resource: { id: string } }> };
  const id = bundle.entry?.[0]?.resource.id;
  if (!id) throw new Error(`no seeded patient ${n}`);
  return id;
}
