import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnTelefhir, type RunningServer } from '../../bench/lib/server';
import { ensureBuilt } from '../helpers/built';

/** SIGTERM drains: a request in flight when the signal arrives still completes, then the process exits 0. */
jest.setTimeout(180_000);

describe('graceful shutdown of the built server', () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  beforeAll(() => {
    ensureBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-shutdown-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the in-flight request, refuses new connections, exits 0, and kept the write', async () => {
    server = await spawnTelefhir(dataDir, { LOG_LEVEL: 'silent' });
    const running = server;
    const body = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Draining' }] });
    const answer = new Promise<{ status: number; id?: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: running.port, method: 'POST', path: '/fhir/Patient', headers: { 'Content-Type': 'application/fhir+json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, id: (JSON.parse(text) as { id?: string }).id }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      // the signal arrives while the body is still coming
      setTimeout(() => {
        running.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 500);
      }, 300);
    });
    const result = await answer;
    expect(result.status).toBe(201);
    expect(await running.exited).toBe(0);
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();

    server = await spawnTelefhir(dataDir, { LOG_LEVEL: 'silent' });
    const read = await fetch(`${server.url}/fhir/Patient/${result.id}`);
    expect(read.status).toBe(200);
    await server.stop();
  });
});
