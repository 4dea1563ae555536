import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { requestListener } from '../../src/http/app';
import { telehealthModule } from '../../src/telehealth';
import { makeTestApp, type TestApp } from '../helpers/app';
import { sender } from '../helpers/send';

/**
 * Hostile and oversized input over a real listening socket: the client must always read a 4xx
 * OperationOutcome (never EPIPE / ECONNRESET, never a 500).
 */
const LIMIT = 64 * 1024;

let t: TestApp;
let server: http.Server;
let base: string;

beforeAll(async () => {
  t = await makeTestApp({ maxBodyBytes: LIMIT, rawRoutes: telehealthModule({ binaryMaxBytes: LIMIT }).binaryRoutes });
  server = http.createServer(requestListener(t.app));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

function patientOf(bytes: number): string {
  return JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(bytes)}</div>` } });
}

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Node's http client: `chunks` are written one by one (chunked when no Content-Length is given). */
function post(path: string, chunks: Buffer[], headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/${path}`, { method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8') || 'null') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    Readable.from(chunks).pipe(req);
  });
}

function expectTooLarge(status: number, body: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(status).toBe(413);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe('too-costly');
  expect(body.issue[0].diagnostics).toContain(String(LIMIT));
}

describe('bodies over MAX_BODY_BYTES', () => {
  it('fetch (undici) with a Content-Length over the limit reads 413 + OperationOutcome', async () => {
    const res = await fetch(`${base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: patientOf(32 * LIMIT) });
    expectTooLarge(res.status, await res.json());
  });

  it('fetch (undici) with a chunked stream over the limit reads 413 + OperationOutcome', async () => {
    const body = Readable.toWeb(Readable.from([Buffer.from(patientOf(16 * LIMIT)), Buffer.from(patientOf(16 * LIMIT))])) as ReadableStream;
    const res = await fetch(`${base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body, duplex: 'half' } as RequestInit);
    expectTooLarge(res.status, await res.json());
  });

  it('the http client, Content-Length and chunked, reads 413 + OperationOutcome', async () => {
    const big = Buffer.from(patientOf(32 * LIMIT));
    const declared = await post('Patient', [big], { 'content-type': 'application/fhir+json', 'content-length': String(big.length) });
    expectTooLarge(declared.status, declared.body);
    const chunked = await post('Patient', [big.subarray(0, LIMIT), big.subarray(LIMIT)], { 'content-type': 'application/fhir+json' });
    expectTooLarge(chunked.status, chunked.body);
    // the refused body was read to its end: the connection stays reusable
    expect(declared.headers.connection).toBe('keep-alive');
    expect(chunked.headers.connection).toBe('keep-alive');
  });

  it('a declared body past MAX_BODY_DRAIN_BYTES is answered 413 at once, and the connection closed', async () => {
    const small = await makeTestApp({ maxBodyBytes: LIMIT, maxBodyDrainBytes: 4 * LIMIT });
    const other = http.createServer(requestListener(small.app));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      // announces 100 MB, sends a first slice and waits: the server must not wait for the rest
      const reply = await new Promise<RawReply>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/fhir/Patient', method: 'POST', headers: { 'content-type': 'application/fhir+json', 'content-length': String(100 * 1024 * 1024) } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
        });
        req.on('error', reject);
        req.write(Buffer.alloc(1024, 0x20));
      });
      expectTooLarge(reply.status, reply.body);
      expect(reply.headers.connection).toBe('close');
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
      await small.close();
    }
  });
});

describe('raw Binary uploads', () => {
  it('over BINARY_MAX_BYTES: fetch reads 413 + OperationOutcome, the connection stays open', async () => {
    const res = await fetch(`${base}/Binary`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: Buffer.alloc(32 * LIMIT, 1) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { resourceType: string; issue: Array<{ diagnostics: string }> };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.diagnostics).toContain('BINARY_MAX_BYTES');
    expect(res.headers.get('connection')).not.toBe('close');
  });

  it('an empty upload is refused with 400 (Content-Length 0 and chunked)', async () => {
    const declared = await fetch(`${base}/Binary`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(0) });
    expect(declared.status).toBe(400);
    const outcome = (await declared.json()) as { resourceType: string; issue: Array<{ code: string; diagnostics: string }> };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.diagnostics).toContain('empty');
    const chunked = await post('Binary', [], { 'content-type': 'application/pdf', 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(400);
    expect(chunked.body.issue[0].diagnostics).toContain('empty');
    const search = await fetch(`${base}/Binary`, { headers: { accept: 'application/fhir+json' } });
    expect(((await search.json()) as { total?: number; entry?: unknown[] }).entry ?? []).toHaveLength(0);
  });
});

describe('PUT with If-None-Match', () => {
  it('If-None-Match: * creates when absent (201) and is 412 when the resource exists', async () => {
    const send = sender(t.app);
    const body = { resourceType: 'Patient', id: 'inm-http', active: true };
    const created = await send('PUT', 'Patient/inm-http', body, { 'If-None-Match': '*' });
    expect(created.status).toBe(201);
    const again = await send('PUT', 'Patient/inm-http', body, { 'If-None-Match': '*' });
    expect(again.status).toBe(412);
    expect(again.body.resourceType).toBe('OperationOutcome');
    expect(again.body.issue[0].code).toBe('conflict');
    expect(again.body.issue[0].diagnostics).toContain('If-None-Match');
    const plain = await send('PUT', 'Patient/inm-http', body);
    expect(plain.status).toBe(200);
    const stale = await send('PUT', 'Patient/inm-http', body, { 'If-None-Match': 'W/"2"' });
    expect(stale.status).toBe(412);
    const garbage = await send('PUT', 'Patient/inm-http', body, { 'If-None-Match': 'soon' });
    expect(garbage.status).toBe(400);
  });
});

/** `levels` nested objects under Patient.extension[0]: `{"extension":[{"extension":[...]}]}`. */
function deepPatient(levels: number): string {
  return `{"resourceType":"Patient","extension":${'[{"url":"x","extension":'.repeat(levels)}[]${'}]'.repeat(levels)}}`;
}

describe('JSON nesting (MAX_JSON_DEPTH)', () => {
  it('2 000+ levels → 400 too-costly naming the limit (default settings), not a 500', async () => {
    const res = await fetch(`${base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: deepPatient(2100) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { resourceType: string; issue: Array<{ code: string; diagnostics: string }> };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.code).toBe('too-costly');
    expect(body.issue[0]?.diagnostics).toContain('MAX_JSON_DEPTH');
    expect(body.issue[0]?.diagnostics).toContain('128');
  });

  it('a bare nested array 100 000 levels deep → 400, not a stack overflow', async () => {
    const res = await fetch(`${base}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: `${'['.repeat(20000)}${']'.repeat(20000)}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issue: Array<{ diagnostics: string }> }).issue[0]?.diagnostics).toContain('MAX_JSON_DEPTH');
  });
});

describe('cost limits of a request body', () => {
  let limited: TestApp;
  let send: ReturnType<typeof sender>;
  beforeAll(async () => {
    limited = await makeTestApp({ settings: { bodyLimits: { maxDepth: 32, maxStringLength: 4096, maxElements: 5000 } } });
    send = sender(limited.app);
  });
  afterAll(() => limited.close());

  it('a string over MAX_STRING_LENGTH → 400 too-long, located, without quoting it', async () => {
    const res = await send('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Q'.repeat(5000) }] });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('too-long');
    expect(res.body.issue[0].diagnostics).toContain('MAX_STRING_LENGTH');
    expect(res.body.issue[0].expression).toEqual(['Patient.name[0].family']);
    expect(JSON.stringify(res.body)).not.toContain('QQQQ');
  });

  it('base64 data (Binary.data, Attachment.data) is bounded by the body size only', async () => {
    const data = Buffer.alloc(6000, 7).toString('base64');
    const binary = await send('POST', 'Binary', { resourceType: 'Binary', contentType: 'application/octet-stream', data });
    expect(binary.status).toBe(201);
    const media = await send('POST', 'Media', { resourceType: 'Media', status: 'completed', content: { contentType: 'image/png', data } });
    expect(media.status).toBe(201);
  });

  it('more than MAX_BODY_ELEMENTS values → 413 too-costly', async () => {
    const res = await send('POST', 'Patient', { resourceType: 'Patient', identifier: Array.from({ length: 3000 }, (_, i) => ({ value: String(i) })) });
    expect(res.status).toBe(413);
    expect(res.body.issue[0].code).toBe('too-costly');
    expect(res.body.issue[0].diagnostics).toContain('MAX_BODY_ELEMENTS');
  });

  it('a Bundle is checked as one body: a long string in an entry fails the whole request', async () => {
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Patient', name: [{ given: ['x'.repeat(5000)] }] }, request: { method: 'POST', url: 'Patient' } }] };
    const res = await send('POST', '', bundle);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('too-long');
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.name[0].given[0]']);
  });

  it('a JSON Patch decoded from a Bundle Binary is checked too', async () => {
    const created = await send('POST', 'Patient', { resourceType: 'Patient', active: true });
    expect(created.status).toBe(201);
    let value: unknown = 'leaf';
    for (let i = 0; i < 60; i++) value = [value];
    const patch = Buffer.from(JSON.stringify([{ op: 'add', path: '/extension', value }])).toString('base64');
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: `Patient/${created.body.id}` } }] };
    const res = await send('POST', '', bundle);
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^400/);
    expect(res.body.entry[0].response.outcome.issue[0].diagnostics).toContain('MAX_JSON_DEPTH');
  });
});
