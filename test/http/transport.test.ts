import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app';
import type { DocumentStore } from '../../src/storage/port';

describe('request ids, CORS, HEAD, health', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await makeTestApp();
    const res = await request(t.app).post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', active: true }));
    expect(res.status).toBe(201);
    id = res.body.id;
  });
  afterAll(() => t.close());

  it('echoes a valid X-Request-Id and generates one otherwise', async () => {
    const echoed = await request(t.app).get('/fhir/metadata').set('X-Request-Id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await request(t.app).get('/fhir/metadata');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(t.app).get('/fhir/metadata').set('X-Request-Id', 'bad id with spaces');
    expect(unsafe.headers['x-request-id']).not.toBe('bad id with spaces');
    const onError = await request(t.app).get('/nowhere').set('X-Request-Id', 'err-1');
    expect(onError.headers['x-request-id']).toBe('err-1');
    const onHealth = await request(t.app).get('/healthz').set('X-Request-Id', 'h-1');
    expect(onHealth.headers['x-request-id']).toBe('h-1');
  });

  it('allows the caller origin on FHIR answers and exposes FHIR headers', async () => {
    const res = await request(t.app).get(`/fhir/Patient/${id}`).set('Origin', 'https://app.example');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers.vary).toContain('Origin');
    for (const h of ['ETag', 'Location', 'Content-Location', 'Last-Modified']) expect(res.headers['access-control-expose-headers']).toContain(h);
    const noOrigin = await request(t.app).get(`/fhir/Patient/${id}`);
    expect(noOrigin.headers['access-control-allow-origin']).toBe('*');
    const error = await request(t.app).get('/fhir/Patient/missing').set('Origin', 'https://app.example');
    expect(error.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it.each(['/fhir/Patient', '/fhir/Patient/1', '/fhir', '/healthz', '/auth/token'])('answers a CORS preflight on %s', async (path) => {
    const res = await request(t.app)
      .options(path)
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization, content-type, if-match, x-custom');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-methods']).toContain('PUT');
    const allowed = (res.headers['access-control-allow-headers'] as string).toLowerCase();
    for (const h of ['authorization', 'content-type', 'if-match', 'if-none-exist', 'if-none-match', 'prefer', 'x-custom']) expect(allowed).toContain(h);
  });

  it('HEAD on a read answers the GET headers without a body', async () => {
    const get = await request(t.app).get(`/fhir/Patient/${id}`);
    const head = await request(t.app).head(`/fhir/Patient/${id}`);
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    const missing = await request(t.app).head('/fhir/Patient/nope');
    expect(missing.status).toBe(404);
  });

  it('answers a conditional read with 304 and no body, keeping ETag and CORS', async () => {
    const get = await request(t.app).get(`/fhir/Patient/${id}`);
    const res = await request(t.app).get(`/fhir/Patient/${id}`).set('If-None-Match', get.headers.etag as string).set('Origin', 'https://app.example');
    expect(res.status).toBe(304);
    expect(res.text ?? '').toBe('');
    expect(res.headers.etag).toBe(get.headers.etag);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('sets no X-Powered-By nor Express ETag', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
  });

  it('/healthz is live and /readyz is ready', async () => {
    const live = await request(t.app).get('/healthz');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });
});

describe('/readyz with an unreachable store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(() => t.close());

  it('answers 503', async () => {
    const store = t.store as DocumentStore & { ping: () => Promise<void> };
    const original = store.ping.bind(store);
    store.ping = async () => {
      throw new Error('down');
    };
    try {
      // createApp captured the store object: the patched ping is the one it calls
      const res = await request(t.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unavailable');
    } finally {
      store.ping = original;
    }
  });
});
