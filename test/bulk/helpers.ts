import type { Express } from 'express';
import request from 'supertest';
import { bulkModule, type BulkModule } from '../../src/bulk';
import type { BulkConfig } from '../../src/bulk/config';
import { makeTestApp, type TestApp, type TestAppOptions } from '../helpers/app';

export interface BulkApp extends TestApp {
  bulk: BulkModule;
}

/** The whole HTTP app on a fresh embedded store, with the bulk module wired as src/compose.ts does. */
export async function makeBulkApp(config: Partial<BulkConfig> = {}, options: TestAppOptions = {}): Promise<BulkApp> {
  const bulk = bulkModule({ pollMs: 50, retryAfterSeconds: 1, ...config });
  const testApp = await makeTestApp({
    ...options,
    settings: { instantiates: bulk.instantiates, ...options.settings },
    operations: [...(options.operations ?? []), ...bulk.operations],
    rawRoutes: [...(options.rawRoutes ?? []), ...bulk.rawRoutes],
  });
  return {
    ...testApp,
    bulk,
    close: async () => {
      await bulk.stop();
      await testApp.close();
    },
  };
}

/** An absolute URL of the server → the path supertest asks for. */
export const pathOf = (url: string) => new URL(url).pathname;

const authorize = (req: request.Test, token?: string) => (token ? req.set('Authorization', `Bearer ${token}`) : req);

/** GET kick-off with Prefer: respond-async; returns the response. */
export function kickOff(app: Express, path: string, token?: string, prefer = 'respond-async'): request.Test {
  return authorize(request(app).get(`/fhir/${path}`).set('Accept', 'application/fhir+json').set('Prefer', prefer), token);
}

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: Array<{ type: string; url: string; count: number }>;
  error: Array<{ type: string; url: string; count: number }>;
}

/** Polls the status URL until the manifest (200) or another final answer; returns that response. */
export async function poll(app: Express, statusUrl: string, token?: string, timeoutMs = 120_000): Promise<request.Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await authorize(request(app).get(pathOf(statusUrl)), token);
    if (res.status !== 202) return res;
    expect(res.headers['x-progress']).toBeDefined();
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    if (Date.now() > until) throw new Error(`export still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Kick-off → poll → manifest, expecting success. */
export async function exportAll(app: Express, path: string, token?: string): Promise<Manifest> {
  const kicked = await kickOff(app, path, token);
  if (kicked.status !== 202) throw new Error(`kick-off ${path}: ${kicked.status} ${JSON.stringify(kicked.body)}`);
  const done = await poll(app, kicked.headers['content-location'] as string, token);
  expect(done.status).toBe(200);
  return JSON.parse(done.text) as Manifest;
}

/** Downloads one file and parses its lines. */
export async function download(app: Express, url: string, token?: string): Promise<Array<Record<string, unknown>>> {
  const res = await authorize(request(app).get(pathOf(url)).set('Accept', 'application/fhir+ndjson').buffer(true).parse(textParser), token);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
  const text = res.body as string;
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every resource of the manifest's output files, per type. */
export async function downloadAll(app: Express, manifest: Manifest, token?: string): Promise<Map<string, Array<Record<string, unknown>>>> {
  const byType = new Map<string, Array<Record<string, unknown>>>();
  for (const file of manifest.output) {
    const lines = await download(app, file.url, token);
    expect(lines).toHaveLength(file.count);
    byType.set(file.type, [...(byType.get(file.type) ?? []), ...lines]);
  }
  return byType;
}

/** Collects a response body as text whatever its media type (superagent parses only the ones it knows). */
export function textParser(res: request.Response, callback: (error: Error | null, body: unknown) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  stream.on('end', () => callback(null, text));
}

/** Creates resources through the FHIR API (PUT with their ids). */
export async function put(app: Express, resources: Array<Record<string, unknown>>, token?: string): Promise<void> {
  for (const resource of resources) {
    const res = await authorize(request(app).put(`/fhir/${resource.resourceType as string}/${resource.id as string}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify(resource)), token);
    if (res.status >= 300) throw new Error(`PUT ${resource.resourceType as string}/${resource.id as string}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export const patient = (id: string) => ({ resourceType: 'Patient', id, name: [{ family: `Family-${id}` }], gender: 'female' });
export const observation = (id: string, patientId: string, code = '8867-4') => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2025-01-02T08:00:00Z',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});
