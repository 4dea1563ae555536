import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import type { FhirMethod, FhirSettings, OperationDefinitionRef } from '../../src/fhir/request';
import { makeTestApp } from '../helpers/app';
import { sender, type Reply } from '../helpers/send';

/** What the bundle and operation tests need from a server: send a request over HTTP, get status and JSON. */
export interface TestClient {
  send(method: FhirMethod, target: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export interface ClientOptions {
  settings?: Partial<FhirSettings>;
  operations?: OperationDefinitionRef[];
}

export async function openClient(options: ClientOptions = {}): Promise<TestClient> {
  const testApp = await makeTestApp({ settings: { maxBundleEntries: 5000, ...options.settings }, operations: options.operations });
  return { send: sender(testApp.app), close: () => testApp.close() };
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
