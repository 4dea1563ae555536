import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createAuthModule } from '../../src/auth';
import { createApp } from '../../src/http/app';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import { ensureBuilt } from '../helpers/built';
import { testSettings } from '../helpers/app';

/** The admin CLI on a stopped server's store: register a user and a client, print a token that works. */
const root = path.resolve(__dirname, '..', '..');
let dataDir: string;
const BASE = 'http://localhost:8080/fhir';

beforeAll(() => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-cli-'));
}, 240_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(root, 'dist', 'src', 'cli.js'), ...args], {
    env: { ...process.env, DATA_DIR: dataDir, BASE_URL: BASE, MONGODB_URI: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

it('registers users and clients and prints a token usable with curl', async () => {
  const user = JSON.parse(cli('users', 'add', '--username', 'dr', '--password', 'long-password', '--role', 'practitioner', '--fhir-user', 'Practitioner/1'));
  expect(user).toMatchObject({ id: 'dr', role: 'practitioner' });
  expect(user).not.toHaveProperty('_id');
  const client = JSON.parse(cli('clients', 'add', '--type', 'confidential-symmetric', '--id', 'web', '--redirect-uri', 'https://web.example.org/cb'));
  expect(client.client_secret).toEqual(expect.any(String));
  expect(JSON.parse(cli('clients', 'list')).map((c: { client_id: string }) => c.client_id)).toEqual(['web']);
  const token = cli('token', '--scope', 'system/Patient.rs').trim();
  expect(token.split('.')).toHaveLength(3);
  expect(() => cli('token', '--scope', 'bogus')).toThrow();
  expect(() => cli('users', 'add', '--username', 'x', '--password', 'short', '--role', 'admin')).toThrow();

  const store = await openEmbeddedStore({ dataDir });
  try {
    const auth = await createAuthModule({ store, baseUrl: BASE });
    const app = createApp({ store, settings: testSettings({ baseUrl: BASE }), auth });
    expect((await request(app).get('/fhir/Patient').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app).post('/fhir/Patient').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/fhir+json').send('{"resourceType":"Patient"}')).status).toBe(403);
    const secret = await request(app).post('/auth/token').auth('web', client.client_secret).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
    expect(secret.body.error).toBe('unauthorized_client');
  } finally {
    await store.close();
  }
}, 180_000);
