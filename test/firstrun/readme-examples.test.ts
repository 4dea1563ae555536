import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { EXAMPLE_IDS } from '../../seed/examples';
import { ensureBuilt } from '../helpers/built';
import { readmeShellBlocks } from './readme-blocks';

/**
 * Every shell example of the README (fenced `bash`/`sh` blocks), run in order with bash and the
 * real curl against the built server, seeded by `npm run seed`'s loader as a user runs it, with
 * the admin secret the README uses. Every curl must exit 0 with a status below 400.
 */
const root = path.resolve(__dirname, '..', '..');
const README_SECRET = 'change-me-to-a-long-secret';
const hasCurl =
  spawnSync('curl', ['--version']).status === 0 && spawnSync('bash', ['--version']).status === 0;

let server: RunningServer;
let dataDir: string;
let cwd: string;
let token: string;

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-readme-'));
  cwd = mkdtempSync(path.join(tmpdir(), 'telefhir-readme-cwd-'));
  // the Binary upload example sends ./lesion.jpg
  writeFileSync(
    path.join(cwd, 'lesion.jpg'),
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]),
  );
  server = await spawnTelefhir(dataDir, {
    AUTH: 'on',
    ADMIN_CLIENT_SECRET: README_SECRET,
    LOG_LEVEL: 'warn',
  });
  // the loader finds the server from PORT alone, as after `PORT=... npm start`
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(root, 'dist', 'seed', 'load.js'), '--patients', '3'],
    {
      env: {
        ...process.env,
        PORT: String(server.port),
        BASE_URL: '',
        FHIR_BASE_URL: '',
        FHIR_TOKEN: '',
        ADMIN_CLIENT_SECRET: README_SECRET,
      },
      timeout: 180_000,
    },
  );
  expect(stdout).toContain(`into http://localhost:${server.port}/fhir`);
  const res = await fetch(`${server.url}/auth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${README_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=system%2F*.cruds%20telefhir%2Fadmin',
  });
  token = ((await res.json()) as { access_token: string }).access_token;
}, 240_000);
afterAll(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

it('the seed writes the well-known example ids the README uses', async () => {
  for (const [type, id] of [
    ['Patient', EXAMPLE_IDS.patient],
    ['Practitioner', EXAMPLE_IDS.practitioner],
    ['Slot', EXAMPLE_IDS.slot],
    ['Appointment', EXAMPLE_IDS.appointment],
    ['Encounter', EXAMPLE_IDS.encounter],
    ['Observation', EXAMPLE_IDS.bloodPressure],
  ]) {
    const res = await fetch(`${server.url}/fhir/${type}/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect({ type, id, status: res.status }).toEqual({ type, id, status: 200 });
  }
  // the searches the README shows find the examples (not just an empty 200)
  const ids = async (query: string) => {
    const res = await fetch(`${server.url}/fhir/${query}`, { headers: { authorization: `Bearer ${token}` } });
    const bundle = (await res.json()) as { entry?: Array<{ resource: { id: string } }> };
    return (bundle.entry ?? []).map((e) => e.resource.id);
  };
  expect(
    await ids('Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140&_count=1000'),
  ).toContain(EXAMPLE_IDS.bloodPressure);
  expect(await ids('Patient?name=nguyen&birthdate=1990-07-14')).toEqual([EXAMPLE_IDS.patient]);
  expect(await ids('Observation?subject:Patient.name=nguyen')).toEqual(
    expect.arrayContaining([EXAMPLE_IDS.heartRate, EXAMPLE_IDS.bloodPressure]),
  );
  expect(
    await ids(`Appointment?actor=Practitioner/${EXAMPLE_IDS.practitioner}&date=ge2024-05-01&status=booked`),
  ).toEqual([EXAMPLE_IDS.appointment]);
  expect(await ids(`Slot?schedule=Schedule/${EXAMPLE_IDS.schedule}&status=free&start=ge2025-01-01`)).toEqual([
    EXAMPLE_IDS.slot,
  ]);
});

(hasCurl ? it : it.skip)(
  'runs every README shell example as written with a non-error status',
  async () => {
    const blocks = readmeShellBlocks(path.join(root, 'README.md'));
    const prelude = readFileSync(path.join(__dirname, 'readme-prelude.sh'), 'utf8');
    const failures: string[] = [];
    let requests = 0;
    for (const block of blocks) {
      const result = await promisify(execFile)('bash', ['-c', `${prelude}\n${block.script}`], {
        cwd,
        env: {
          ...process.env,
          BASE: `${server.url}/fhir`,
          TOKEN: token,
          README_TOKEN: token,
          README_ORIGIN: server.url,
        },
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string }) => ({
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }));
      const statuses = [...result.stderr.matchAll(/^README_STATUS (\d+) (\S+) (\S+)$/gm)];
      const exits = [...result.stderr.matchAll(/^README_EXIT (\d+)$/gm)].map((m) => Number(m[1]));
      requests += statuses.length;
      for (const m of statuses)
        if (Number(m[1]) >= 400 || Number(m[1]) === 0)
          failures.push(`README line ${block.line} (${block.heading}): ${m[2]} ${m[3]} → ${m[1]}`);
      exits.forEach((code, i) => {
        if (code !== 0)
          failures.push(
            `README line ${block.line} (${block.heading}): curl #${i + 1} exited ${code}: ${result.stderr
              .split('\n')
              .filter((l) => l.startsWith('curl:'))
              .join(' ')}`,
          );
      });
    }
    expect(failures).toEqual([]);
    // the extraction really found the examples (several per section)
    expect(requests).toBeGreaterThan(50);
  },
  600_000,
);
