import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import { call, openTestContext } from '../core/helpers';
import type { FhirMethod, FhirSettings, OperationDefinitionRef } from '../../src/fhir/request';

/** What the bundle tests need from a server: send a request, get status and JSON body back. */
export interface TestClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(method: FhirMethod, target: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function openClient(options: { settings?: Partial<FhirSettings>; operations?: OperationDefinitionRef[] } = {}): Promise<TestClient> {
  const server = await openTestContext({ operations: options.operations ?? [] });
  server.ctx.settings = { ...server.ctx.settings, maxBundleEntries: 5000, ...options.settings };
  return {
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
