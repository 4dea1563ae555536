import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { COMMANDS } from '../../src/cli-help';
import { admin, createResource, startAuthServer, type AuthServer } from '../auth/harness';
import { ensureBuilt } from '../helpers/built';

/** The admin CLI as an operator meets it (built, its own process), and the admin API's user shape and checks. */
const root = path.resolve(__dirname, '..', '..');
let work: string;

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'telefhir-cli-usage-'));
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(root, 'dist', 'src', 'cli.js'), ...args], {
    env: { ...process.env, MONGODB_URI: '', DATA_DIR: path.join(work, 'data'), ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI', () => {
  it('answers --help for every command with exit 0 without opening the store', () => {
    // a DATA_DIR that is a plain file: opening the store there would fail
    const notADirectory = path.join(work, 'not-a-directory');
    writeFileSync(notADirectory, 'x');
    const env = { DATA_DIR: notADirectory };
    const general = cli(['--help'], env);
    expect(general.code).toBe(0);
    for (const command of COMMANDS) expect(general.stdout).toContain(command);
    for (const command of COMMANDS) {
      const help = cli([...command.split(' '), '--help'], env);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toContain(`telefhir ${command}`);
    }
    expect(cli(['help'], env).code).toBe(0);
    expect(cli(['clients', 'list', '-h'], env).code).toBe(0);
    // and the store is really unusable there: a command that needs it fails
    expect(cli(['clients', 'list'], env).code).not.toBe(0);
  });

  it('fails with a non-zero exit and a clear message on unknown ids and commands', () => {
    const client = cli(['clients', 'remove', '--id', 'x']);
    expect(client.code).toBe(1);
    expect(client.stderr).toContain("no client with id 'x'");
    const user = cli(['users', 'remove', 'nobody']);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain("no user with id 'nobody'");
    expect(cli(['clients', 'remove']).code).toBe(2);
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(cli([]).code).toBe(2);
    // a patient user must point at an existing Patient
    const ghost = cli([
      'users',
      'add',
      '--username',
      'ghost',
      '--password',
      'long-password',
      '--role',
      'patient',
      '--fhir-user',
      'Patient/does-not-exist',
    ]);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('Patient/does-not-exist does not exist');
  });

  it('names MONGODB_URI when MongoDB cannot be reached, within the selection timeout', () => {
    const started = Date.now();
    const result = cli(['clients', 'list'], {
      MONGODB_URI: 'mongodb://127.0.0.1:9/telefhir?replicaSet=rs0',
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MONGODB_URI');
    expect(result.stderr).toContain('127.0.0.1:9');
    // generous bound (busy machine); a driver default of 30 s would exceed it
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('the server also names MONGODB_URI and exits non-zero when MongoDB cannot be reached', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        MONGODB_URI: 'mongodb://127.0.0.1:9/telefhir?replicaSet=rs0',
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('MONGODB_URI');
    expect(result.stderr).toContain('Cannot reach MongoDB');
  });
});

describe('admin API users', () => {
  let s: AuthServer;
  beforeAll(async () => {
    s = await startAuthServer();
  });
  afterAll(() => s.close());

  it('come back with `id` (the username), never `_id` or a password hash', async () => {
    const patient = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Real' }] });
    const created = await admin(s, '/users', {
      username: 'pat.real',
      password: 'a-long-password',
      role: 'patient',
      fhirUser: `Patient/${patient}`,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'pat.real', role: 'patient', fhirUser: `Patient/${patient}` });
    expect(created.body).not.toHaveProperty('_id');
    expect(created.body).not.toHaveProperty('passwordHash');
    const list = await request(s.app).get('/auth/admin/users').set('Authorization', `Bearer ${s.adminToken}`);
    expect(list.status).toBe(200);
    const listed = (list.body as Array<Record<string, unknown>>).find((u) => u.id === 'pat.real');
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('_id');
  });

  it('refuse a patient user whose fhirUser does not exist (or is deleted)', async () => {
    const missing = await admin(s, '/users', {
      username: 'ghost',
      password: 'a-long-password',
      role: 'patient',
      fhirUser: 'Patient/does-not-exist',
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request' });
    expect(missing.body.error_description).toContain('Patient/does-not-exist');
    const gone = await createResource(s, { resourceType: 'Patient' });
    await request(s.app).delete(`/fhir/Patient/${gone}`).set('Authorization', `Bearer ${s.adminToken}`);
    expect(
      (
        await admin(s, '/users', {
          username: 'gone',
          password: 'a-long-password',
          role: 'patient',
          fhirUser: `Patient/${gone}`,
        })
      ).status,
    ).toBe(400);
  });
});
