import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app';
import type { OperationDefinitionRef } from '../../src/fhir/request';

/** An operation that fails like a bug would, to see the 500 path. */
const crash: OperationDefinitionRef = {
  name: 'crash',
  definition: 'http://example.org/OperationDefinition/crash',
  resourceTypes: [],
  system: true,
  type: false,
  instance: false,
  affectsState: false,
  handler: async () => {
    throw new Error('boom with secret patient name Jane');
  },
};

function expectOutcome(body: { resourceType: string; issue: Array<{ severity: string; code: string; diagnostics?: string }> }, code?: string) {
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.length).toBeGreaterThan(0);
  expect(body.issue[0]?.severity).toBe('error');
  if (code) expect(body.issue[0]?.code).toBe(code);
}

describe('errors as OperationOutcome', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ operations: [crash], maxBodyBytes: 1024 });
  });
  afterAll(() => t.close());

  it('malformed JSON → 400 without quoting the body', async () => {
    const res = await request(t.app).post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send('{"resourceType": "Patient", "name": [ SECRET');
    expect(res.status).toBe(400);
    expectOutcome(res.body, 'invalid');
    expect(res.text).not.toContain('SECRET');
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  });

  it('a body over the limit → 413 (declared length)', async () => {
    const big = JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(5000) } });
    const res = await request(t.app).post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(big);
    expect(res.status).toBe(413);
    expectOutcome(res.body, 'too-costly');
  });

  it('a chunked body over the limit → 413', async () => {
    const { Readable } = await import('node:stream');
    const http = await import('node:http');
    const server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/fhir/Patient', headers: { 'Content-Type': 'application/fhir+json', 'Transfer-Encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        Readable.from([Buffer.alloc(800, 0x20), Buffer.alloc(800, 0x20), Buffer.from('{}')]).pipe(req);
      });
      expect(status).toBe(413);
    } finally {
      server.close();
    }
  });

  it('unknown non-FHIR path → 404 OperationOutcome', async () => {
    const res = await request(t.app).get('/nowhere/at/all?x=1');
    expect(res.status).toBe(404);
    expectOutcome(res.body, 'not-found');
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  });

  it('unknown resource type under /fhir → 404, bad id → 400, bad method → 405', async () => {
    expect((await request(t.app).get('/fhir/Nonsense/1')).status).toBe(404);
    const badId = await request(t.app).get('/fhir/Patient/' + 'x'.repeat(70));
    expect(badId.status).toBe(400);
    expectOutcome(badId.body);
    const notAllowed = await request(t.app).delete('/fhir/metadata');
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers.allow).toBeDefined();
  });

  it('a path that only looks like the base is not FHIR', async () => {
    const res = await request(t.app).get('/fhirx/Patient');
    expect(res.status).toBe(404);
    expectOutcome(res.body);
  });

  it('a missing resource → 404 with its headers', async () => {
    const res = await request(t.app).get('/fhir/Patient/does-not-exist');
    expect(res.status).toBe(404);
    expectOutcome(res.body, 'not-found');
  });

  it('an unexpected failure → 500 OperationOutcome without stack or message', async () => {
    const res = await request(t.app).get('/fhir/$crash');
    expect(res.status).toBe(500);
    expectOutcome(res.body, 'exception');
    expect(res.text).not.toContain('boom');
    expect(res.text).not.toContain('Jane');
    expect(res.text).not.toMatch(/at .*\.ts/);
  });
});
