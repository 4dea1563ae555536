import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import request from 'supertest';
import { call, openTestContext } from '../core/helpers';
import type { FhirMethod, FhirSettings, OperationDefinitionRef } from '../../src/fhir/request';

/**
 * What the bundle and operation tests need from a server: send a request, get status and JSON.
 * Over HTTP through the shared `makeTestApp` helper (test/helpers) when it exists; until the HTTP
 * layer lands, straight through `dispatch` — the very function the HTTP layer calls.
 */
export interface TestClient {
  readonly overHttp: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(method: FhirMethod, target: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface ClientOptions {
  settings?: Partial<FhirSettings>;
  operations?: OperationDefinitionRef[];
}

interface TestApp {
  app: Parameters<typeof request>[0];
  close(): Promise<void>;
}
type MakeTestApp = (options: { settings?: Partial<FhirSettings>; operations?: OperationDefinitionRef[] }) => Promise<TestApp>;

function findMakeTestApp(): MakeTestApp | undefined {
  const dir = path.join(__dirname, '..', 'helpers');
  if (!existsSync(dir)) return undefined;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, file)) as { makeTestApp?: MakeTestApp };
    if (typeof mod.makeTestApp === 'function') return mod.makeTestApp;
  }
  return undefined;
}

export async function openClient(options: ClientOptions = {}): Promise<TestClient> {
  const settings: Partial<FhirSettings> = { maxBundleEntries: 5000, ...options.settings };
  const makeTestApp = findMakeTestApp();
  if (makeTestApp) {
    const testApp = await makeTestApp({ settings, operations: options.operations });
    return {
      overHttp: true,
      send: async (method, target, body, headers = {}) => {
        const url = `/fhir/${target}`.replace(/\/$/, '');
        let req = request(testApp.app)[method === 'HEAD' ? 'head' : (method.toLowerCase() as 'get')](url).set('Accept', 'application/fhir+json');
        for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
        if (body !== undefined) req = req.set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
        const res = await req;
        return { status: res.status, body: res.text ? (JSON.parse(res.text) as unknown) : undefined };
      },
      close: () => testApp.close(),
    };
  }
  const server = await openTestContext({ operations: options.operations ?? [] });
  server.ctx.settings = { ...server.ctx.settings, ...settings };
  return {
    overHttp: false,
    send: async (method, target, body, headers) => {
      const res = await call(server.ctx, method, target, { body, headers });
      return { status: res.status, body: res.body };
    },
    close: () => server.close(),
  };
}

export function transaction(entry: BundleEntry[], type: 'transaction' | 'batch' = 'transaction'): Bundle {
  return { resourceType: 'Bundle', type, entry };
}

export function post(resource: Resource, fullUrl?: string, ifNoneExist?: string): BundleEntry {
  const entry: BundleEntry = { resource: resource as BundleEntry['resource'], request: { method: 'POST', url: resource.resourceType } };
  if (fullUrl) entry.fullUrl = fullUrl;
  if (ifNoneExist && entry.request) entry.request.ifNoneExist = ifNoneExist;
  return entry;
}

export function observation(subject: string, code = '8867-4', effective = '2024-05-01T10:00:00Z', value = 70): Resource {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: subject },
    effectiveDateTime: effective,
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  } as Resource;
}
