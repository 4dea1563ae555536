import { Readable } from 'node:stream';
import type { Binary } from 'fhir/r4';
import request from 'supertest';
import type { RawResponse, RawRoute } from '../../src/http/raw-routes';
import { FhirError, issue } from '../../src/fhir/outcome';
import { makeTestApp, type TestApp } from '../helpers/app';

/** Echoes raw bytes: proves the body reaches the route unread and a stream answer is written as-is. */
const echo: RawRoute = {
  accepts: (req) => req.path === 'Binary/echo' && (req.method === 'POST' || req.method === 'GET' || req.method === 'HEAD'),
  handle: async (req): Promise<RawResponse> => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      return { status: 200, headers: { 'Content-Type': 'image/png', 'Content-Length': '4' }, stream: Readable.from([Buffer.from([1, 2, 3, 4])]) };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req.body as AsyncIterable<Buffer>) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    if (bytes.length === 0) throw new FhirError(400, [issue('error', 'invalid', 'empty')]);
    return { status: 201, headers: { Location: 'Binary/echo' }, resource: { resourceType: 'Binary', contentType: req.headers['content-type'] ?? '', data: bytes.toString('base64') } as Binary };
  },
};

describe('raw routes extension point', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ rawRoutes: [echo] });
  });
  afterAll(() => t.close());

  it('hands a non-JSON body to the route unread and renders its resource as FHIR JSON', async () => {
    const res = await request(t.app).post('/fhir/Binary/echo').set('Content-Type', 'image/png').send(Buffer.from([9, 8, 7]));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(res.headers.location).toBe('Binary/echo');
    expect(res.body.data).toBe(Buffer.from([9, 8, 7]).toString('base64'));
  });

  it('streams raw bytes with the route headers and CORS', async () => {
    const res = await request(t.app).get('/fhir/Binary/echo').set('Accept', 'image/png').set('Origin', 'https://app.example').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect([...(res.body as Buffer)]).toEqual([1, 2, 3, 4]);
    const head = await request(t.app).head('/fhir/Binary/echo');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('4');
  });

  it('renders a route failure as OperationOutcome', async () => {
    const res = await request(t.app).post('/fhir/Binary/echo').set('Content-Type', 'image/png').send(Buffer.alloc(0));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('leaves other requests to the FHIR engine (which refuses image/png)', async () => {
    const res = await request(t.app).post('/fhir/Binary').set('Content-Type', 'image/png').send(Buffer.from([1]));
    expect(res.status).toBe(415);
  });
});
