import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/http/app';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import type { DocumentStore } from '../../src/storage/port';
import { telehealthModule } from '../../src/telehealth';
import { settings } from '../core/helpers';
import { FileBlobStore, withBlobs } from './file-blobs';

const MB = 1024 * 1024;

/** Deterministic pseudo-random bytes, generated chunk by chunk (never held whole). */
function* chunks(total: number, seed: number): Generator<Buffer> {
  let state = seed;
  for (let sent = 0; sent < total; ) {
    const size = Math.min(256 * 1024, total - sent);
    const chunk = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += 4) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      chunk.writeUInt32LE(state, i);
    }
    sent += size;
    yield chunk;
  }
}

describe('store-and-forward Binary over HTTP', () => {
  let server: http.Server;
  let base: string;
  let store: DocumentStore;
  let blobs: FileBlobStore;
  let dataDir: string;
  const app = () => server;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-binary-'));
    blobs = new FileBlobStore();
    store = withBlobs(await openEmbeddedStore({ dataDir }), blobs);
    const module = telehealthModule({ binaryMaxBytes: 120 * MB, binaryInlineMaxBytes: 1024 });
    const express = createApp({
      store,
      settings: settings(),
      operations: module.operations,
      beforeWrite: module.beforeWrite,
      afterWrite: module.afterWrite,
      rawRoutes: module.binaryRoutes,
    });
    server = http.createServer(express);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    blobs.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (bytes: Buffer, type = 'image/png') =>
    request(app()).post('/fhir/Binary').set('Content-Type', type).set('X-Security-Context', 'Patient/p1').send(bytes);

  it('creates from raw bytes and reads them back with the real Content-Type', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const created = await upload(png);
    expect(created.status).toBe(201);
    expect(created.headers.location).toMatch(/\/fhir\/Binary\/[^/]+\/_history\/1$/);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ resourceType: 'Binary', contentType: 'image/png', securityContext: { reference: 'Patient/p1' } });
    const raw = await request(app()).get(`/fhir/Binary/${id}`).buffer(true).parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('image/png');
    expect(raw.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(raw.body as Buffer, png)).toBe(0);
    const json = await request(app()).get(`/fhir/Binary/${id}`).set('Accept', 'application/fhir+json');
    expect(json.status).toBe(200);
    expect(JSON.parse(json.text)).toMatchObject({ resourceType: 'Binary', id, contentType: 'image/png', data: png.toString('base64') });
  });

  it('serves byte ranges (206) and refuses unsatisfiable ones (416)', async () => {
    const bytes = Buffer.from('0123456789abcdefghij');
    const id = (await upload(bytes, 'application/octet-stream')).body.id as string;
    const part = await request(app()).get(`/fhir/Binary/${id}`).set('Range', 'bytes=2-5');
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 2-5/20');
    expect(Buffer.from(part.body as Buffer).toString()).toBe('2345');
    const suffix = await request(app()).get(`/fhir/Binary/${id}`).set('Range', 'bytes=-3');
    expect(suffix.status).toBe(206);
    expect(Buffer.from(suffix.body as Buffer).toString()).toBe('hij');
    const open = await request(app()).get(`/fhir/Binary/${id}`).set('Range', 'bytes=15-');
    expect(Buffer.from(open.body as Buffer).toString()).toBe('fghij');
    const beyond = await request(app()).get(`/fhir/Binary/${id}`).set('Range', 'bytes=20-30');
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */20');
  });

  it('serves a Binary created as FHIR JSON as raw bytes too, and 404 for an unknown one', async () => {
    const data = Buffer.from('hello, clinician').toString('base64');
    const created = await request(app())
      .post('/fhir/Binary')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Binary', contentType: 'text/plain', data }));
    expect(created.status).toBe(201);
    const id = JSON.parse(created.text).id as string;
    const raw = await request(app()).get(`/fhir/Binary/${id}`);
    expect(raw.headers['content-type']).toMatch(/^text\/plain/);
    expect(raw.text).toBe('hello, clinician');
    expect((await request(app()).get('/fhir/Binary/nope')).status).toBe(404);
  });

  it('refuses an upload larger than BINARY_MAX_BYTES with 413', async () => {
    const small = createApp({ store, settings: settings(), rawRoutes: telehealthModule({ binaryMaxBytes: 1000 }).binaryRoutes });
    const declared = await request(small).post('/fhir/Binary').set('Content-Type', 'image/jpeg').send(Buffer.alloc(5000));
    expect(declared.status).toBe(413);
    expect(declared.body.resourceType ?? JSON.parse(declared.text).resourceType).toBe('OperationOutcome');
  });

  // A buffering server would grow by at least the payload (and usually twice it); a streaming one by
  // its pipe buffers plus whatever the collector has not yet returned, which under a busy jest worker
  // has reached ~33 MB. The bound is therefore a fraction of a payload large enough to tell the two apart.
  it('round-trips 96 MB byte-identical, streamed: the process RSS grows by well under the payload', async () => {
    const total = 96 * MB;
    const sent = createHash('sha256');
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const id = await new Promise<string>((resolve, reject) => {
        const req = http.request(`${base}/Binary`, { method: 'POST', headers: { 'content-type': 'video/mp4', 'transfer-encoding': 'chunked' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(Buffer.concat(parts).toString()).id) : reject(new Error(`upload ${res.statusCode}`))));
        });
        req.on('error', reject);
        const source = Readable.from(chunks(total, 7));
        source.on('data', (c: Buffer) => sent.update(c));
        source.pipe(req);
      });
      const received = createHash('sha256');
      let size = 0;
      await new Promise<void>((resolve, reject) => {
        http.get(`${base}/Binary/${id}`, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toBe('video/mp4');
          expect(res.headers['content-length']).toBe(String(total));
          res.on('data', (c: Buffer) => {
            size += c.length;
            received.update(c);
          });
          res.on('end', resolve);
          res.on('error', reject);
        });
      });
      expect(size).toBe(total);
      expect(received.digest('hex')).toBe(sent.digest('hex'));
    } finally {
      clearInterval(sampler);
    }
    expect(peak - rssBefore).toBeLessThan(total * 0.6);
  }, 180_000);
});
