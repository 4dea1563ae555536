import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Resource } from 'fhir/r4';
import { UNRESTRICTED } from '../../src/fhir/access/context';
import { dispatch } from '../../src/fhir/dispatch';
import { FhirError } from '../../src/fhir/outcome';
import type { FhirContext, FhirMethod, FhirSettings } from '../../src/fhir/request';
import { openEmbeddedStore } from '../../src/storage/embedded/store';

export const BASE = 'http://localhost:8080/fhir';

export const settings = (over: Partial<FhirSettings> = {}): FhirSettings => ({
  baseUrl: BASE,
  defaultPageSize: 20,
  maxPageSize: 100,
  maxBundleEntries: 100,
  validationMode: 'reject',
  ...over,
});

export interface TestServer {
  ctx: FhirContext;
  close(): Promise<void>;
}

/** A FhirContext on a fresh embedded store in a temporary directory. */
export async function openTestContext(over: Partial<FhirContext> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-core-'));
  const store = await openEmbeddedStore({ dataDir });
  const ctx: FhirContext = {
    store,
    settings: settings(),
    operations: [],
    beforeWrite: [],
    afterWrite: [],
    access: UNRESTRICTED,
    requestId: 'test',
    ...over,
  };
  return {
    ctx,
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Record<string, string>;
}

/** Runs a request through dispatch and renders a FhirError the way the HTTP layer does. */
export async function call(
  ctx: FhirContext,
  method: FhirMethod,
  target: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const question = target.indexOf('?');
  const pathPart = question >= 0 ? target.slice(0, question) : target;
  const query = question >= 0 ? [...new URLSearchParams(target.slice(question + 1))] : [];
  try {
    const response = await dispatch({ method, path: pathPart, query, body: options.body, headers: options.headers ?? {} }, ctx);
    return { status: response.status, body: response.body, headers: response.headers ?? {} };
  } catch (error) {
    if (error instanceof FhirError) return { status: error.status, body: error.toOperationOutcome(), headers: error.headers };
    throw error;
  }
}

const fixtureDir = path.join(__dirname, '..', 'fixtures', 'hl7');

export function fixture<T extends Resource = Resource>(name: string): T {
  return JSON.parse(readFileSync(path.join(fixtureDir, name), 'utf8')) as T;
}

/** A resource without the server-managed meta fields, for comparisons. */
export function withoutServerMeta<T extends Resource>(resource: T): T {
  const copy = structuredClone(resource);
  if (copy.meta) {
    delete copy.meta.versionId;
    delete copy.meta.lastUpdated;
    if (Object.keys(copy.meta).length === 0) delete copy.meta;
  }
  return copy;
}
