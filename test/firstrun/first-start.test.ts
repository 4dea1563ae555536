import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { ensureBuilt } from '../helpers/built';

/**
 * The first hour of a new user: `npm start` with authorization on and no ADMIN_CLIENT_SECRET.
 * The built server runs as a child process, as the operator runs it; what it prints is all the
 * test knows.
 */
const root = path.resolve(__dirname, '..', '..');
let dataDir: string;
const servers: RunningServer[] = [];

beforeAll(() => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-first-start-'));
}, 240_000);
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<RunningServer> {
  const server = await spawnTelefhir(dataDir, { AUTH: 'on', ADMIN_CLIENT_SECRET: '', LOG_LEVEL: 'info' });
  servers.push(server);
  return server;
}

/** Waits until the output matches (the notice follows `listening`: printed just after). */
async function waitFor(server: RunningServer, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 600; i++) {
    const match = pattern.exec(server.output());
    if (match) return match;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`output never matched ${pattern}:\n${server.output()}`);
}

async function tokenWith(tokenUrl: string, secret: string): Promise<{ status: number; token?: string }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=system%2F*.cruds%20telefhir%2Fadmin',
  });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, ...(body.access_token ? { token: body.access_token } : {}) };
}

const loopback = (url: string) => url.replace('//localhost:', '//127.0.0.1:');

it('prints a generated admin secret once, with a curl line that gets a token; later starts print how to rotate it', async () => {
  const first = await start();
  const [, secret] = await waitFor(first, /^ {2}ADMIN_CLIENT_SECRET=(\S+)$/m);
  const [curlLine, printedSecret, tokenUrl] = await waitFor(
    first,
    /curl -s -u 'admin:([^']+)' -d grant_type=client_credentials -d 'scope=system\/\*\.cruds telefhir\/admin' (\S+)/,
  );
  expect(printedSecret).toBe(secret);
  expect(curlLine).toContain(`/auth/token`);
  expect(first.output()).toMatch(/npm run seed -- --base http:\/\/localhost:\d+\/fhir/);
  expect((secret as string).length).toBeGreaterThanOrEqual(32);

  // the printed line works at once
  const { status, token } = await tokenWith(loopback(tokenUrl as string), secret as string);
  expect(status).toBe(200);
  const patients = await fetch(`${first.url}/fhir/Patient`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(patients.status).toBe(200);

  // logs reach stdout while the server runs (no 4 KB buffer held until shutdown)
  await waitFor(first, /"route":"\/fhir\/Patient","status":200/);
  // the secret goes to stdout once, never into the JSON log lines
  const jsonLines = first
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  expect(jsonLines.length).toBeGreaterThan(0);
  expect(jsonLines.some((l) => l.includes(secret as string))).toBe(false);

  // a missing token gets a 401 that says where tokens come from (public URLs only)
  const anonymous = await fetch(`${first.url}/fhir/Patient`);
  expect(anonymous.status).toBe(401);
  const outcome = (await anonymous.json()) as { issue: Array<{ diagnostics: string }> };
  expect(outcome.issue[0]?.diagnostics).toContain('/auth/token');
  expect(outcome.issue[0]?.diagnostics).toContain('/.well-known/smart-configuration');
  expect(outcome.issue[0]?.diagnostics).not.toContain(secret as string);
  expect(await first.stop()).toBe(0);

  // the second start prints no secret, only how to rotate it; the first secret still works
  const second = await start();
  await waitFor(second, /admin rotate-secret/);
  expect(second.output()).not.toMatch(/ADMIN_CLIENT_SECRET=[A-Za-z0-9_-]{16,}/);
  expect(second.output()).not.toContain(secret as string);
  expect((await tokenWith(`${second.url}/auth/token`, secret as string)).status).toBe(200);
  expect(await second.stop()).toBe(0);

  // rotation with the CLI (server stopped): the new secret works, the old one no longer does
  const rotated = execFileSync(
    process.execPath,
    [path.join(root, 'dist', 'src', 'cli.js'), 'admin', 'rotate-secret'],
    {
      env: { ...process.env, DATA_DIR: dataDir, MONGODB_URI: '' },
      encoding: 'utf8',
    },
  );
  const newSecret = /ADMIN_CLIENT_SECRET=(\S+)/.exec(rotated)?.[1] as string;
  expect(newSecret).toBeDefined();
  expect(newSecret).not.toBe(secret);
  const third = await start();
  expect((await tokenWith(`${third.url}/auth/token`, newSecret)).status).toBe(200);
  expect((await tokenWith(`${third.url}/auth/token`, secret as string)).status).toBe(401);
  expect(await third.stop()).toBe(0);
}, 240_000);
