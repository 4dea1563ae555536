/**
 * Identity resolution of a transaction, isolated from the search engine: findMatches is replaced
 * by a table of canned answers so each rule of http.html#trules is checked on its own.
 */
const answers = new Map<string, string[]>();
jest.mock('../../src/fhir/search/api', () => ({
  findMatches: async (type: string, query: Array<[string, string]>) =>
    (answers.get(`${type}?${new URLSearchParams(query).toString()}`) ?? []).map((id) => ({ _id: id })),
}));

import { FhirError } from '../../src/fhir/outcome';
import type { FhirContext } from '../../src/fhir/request';
import {
  assertNoOverlap,
  assignPlaceholders,
  mapUpdateFullUrls,
  resolveConditionalReference,
  resolveConditionalTargets,
} from '../../src/fhir/bundle/conditional';
import { parseBundle } from '../../src/fhir/bundle/parse';

const ctx = {} as FhirContext;
const BASE = 'http://localhost:8080/fhir';
const plan = (entry: unknown[]) => parseBundle({ resourceType: 'Bundle', type: 'transaction', entry }, BASE, 100).entries;

async function rejects(promise: Promise<unknown>, status: number): Promise<FhirError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FhirError);
  expect((error as FhirError).status).toBe(status);
  return error as FhirError;
}

beforeEach(() => answers.clear());

describe('assignPlaceholders', () => {
  it('gives every create a fresh id and maps its fullUrl; other POSTs get none', () => {
    const entries = plan([
      { fullUrl: 'urn:uuid:a', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: 'urn:oid:1.2.3', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Parameters' }, request: { method: 'POST', url: 'Patient/$validate' } },
    ]);
    const map = new Map<string, string>();
    assignPlaceholders(entries, map);
    expect(entries[0]?.request.assignedId).toMatch(/^[A-Za-z0-9-]{36}$/);
    expect(entries[0]?.request.assignedId).not.toBe(entries[1]?.request.assignedId);
    expect(map.get('urn:uuid:a')).toBe(`Patient/${entries[0]?.request.assignedId}`);
    expect(map.get('urn:oid:1.2.3')).toBe(`Patient/${entries[1]?.request.assignedId}`);
    expect(entries[2]?.request.assignedId).toBeUndefined();
  });
});

describe('resolveConditionalTargets', () => {
  it('maps a conditional create that matches to the existing resource', async () => {
    answers.set('Patient?identifier=s%7C1', ['existing']);
    const entries = plan([
      { fullUrl: 'urn:uuid:a', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'Patient?identifier=s|1' } },
    ]);
    const map = new Map<string, string>();
    assignPlaceholders(entries, map);
    await resolveConditionalTargets(entries, map, ctx);
    expect(map.get('urn:uuid:a')).toBe('Patient/existing');
    expect(entries[0]?.id).toBe('existing');
    expect(entries[0]?.request.headers['if-none-exist']).toBe('identifier=s|1');
  });

  it('fails a conditional create with several matches (412)', async () => {
    answers.set('Patient?identifier=s%7C1', ['a', 'b']);
    const entries = plan([{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=s|1' } }]);
    const error = await rejects(resolveConditionalTargets(entries, new Map(), ctx), 412);
    expect(error.issues[0]?.expression).toEqual(['Bundle.entry[0]']);
  });

  it('turns a conditional update into an update of the match, or a create with a new id', async () => {
    answers.set('Patient?identifier=s%7C1', ['p1']);
    const entries = plan([
      { fullUrl: 'urn:uuid:u', resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient?identifier=s|1' } },
      { fullUrl: 'urn:uuid:n', resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient?identifier=s|2' } },
      { resource: { resourceType: 'Patient', id: 'client-id' }, request: { method: 'PUT', url: 'Patient?identifier=s|3' } },
    ]);
    const map = new Map<string, string>();
    await resolveConditionalTargets(entries, map, ctx);
    expect(entries[0]?.request).toMatchObject({ path: 'Patient/p1', query: [], body: { id: 'p1' } });
    expect(map.get('urn:uuid:u')).toBe('Patient/p1');
    const newId = entries[1]?.id as string;
    expect(newId).toMatch(/^[A-Za-z0-9-]{36}$/);
    expect(entries[1]?.request.path).toBe(`Patient/${newId}`);
    expect(map.get('urn:uuid:n')).toBe(`Patient/${newId}`);
    expect(entries[2]?.request.path).toBe('Patient/client-id');
  });

  it('refuses a conditional update whose body id differs from the match (400) and several matches (412)', async () => {
    answers.set('Patient?identifier=s%7C1', ['p1']);
    answers.set('Patient?identifier=s%7C9', ['p1', 'p2']);
    await rejects(
      resolveConditionalTargets(plan([{ resource: { resourceType: 'Patient', id: 'other' }, request: { method: 'PUT', url: 'Patient?identifier=s|1' } }]), new Map(), ctx),
      400,
    );
    await rejects(
      resolveConditionalTargets(plan([{ resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient?identifier=s|9' } }]), new Map(), ctx),
      412,
    );
  });

  it('rewrites placeholders in conditional search values before searching', async () => {
    const entries = plan([
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Observation' }, request: { method: 'PUT', url: 'Observation?subject=urn:uuid:p&code=x' } },
    ]);
    const map = new Map<string, string>();
    assignPlaceholders(entries, map);
    const patientId = entries[0]?.request.assignedId as string;
    answers.set(`Observation?subject=Patient%2F${patientId}&code=x`, ['o1']);
    await resolveConditionalTargets(entries, map, ctx);
    expect(entries[1]?.request.path).toBe('Observation/o1');
  });
});

describe('assertNoOverlap', () => {
  it('refuses two writes of one resource, including a resolved conditional, and identical conditional creates', async () => {
    answers.set('Patient?identifier=s%7C1', ['p1']);
    const entries = plan([
      { resource: { resourceType: 'Patient', id: 'p1' }, request: { method: 'PUT', url: 'Patient/p1' } },
      { request: { method: 'DELETE', url: 'Patient?identifier=s|1' } },
    ]);
    await resolveConditionalTargets(entries, new Map(), ctx);
    expect(() => assertNoOverlap(entries)).toThrow(FhirError);
    const creates = plan([
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=s|5' } },
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=s|5' } },
    ]);
    assignPlaceholders(creates, new Map());
    expect(() => assertNoOverlap(creates)).toThrow(FhirError);
    const fine = plan([
      { request: { method: 'GET', url: 'Patient/p1' } },
      { resource: { resourceType: 'Patient', id: 'p1' }, request: { method: 'PUT', url: 'Patient/p1' } },
    ]);
    expect(() => assertNoOverlap(fine)).not.toThrow();
  });

  it('refuses an absolute fullUrl that contradicts the PUT url', () => {
    const entries = plan([
      { fullUrl: 'http://example.org/fhir/Patient/other', resource: { resourceType: 'Patient', id: 'p1' }, request: { method: 'PUT', url: 'Patient/p1' } },
    ]);
    expect(() => mapUpdateFullUrls(entries, new Map())).toThrow(FhirError);
  });
});

describe('resolveConditionalReference', () => {
  it('resolves exactly one match, caches it, and fails with 412 on none or several', async () => {
    answers.set('Patient?identifier=s%7C1', ['p1']);
    answers.set('Patient?identifier=s%7C2', ['a', 'b']);
    const cache = new Map<string, string>();
    expect(await resolveConditionalReference('Patient?identifier=s|1', new Map(), ctx, cache)).toBe('Patient/p1');
    answers.clear();
    expect(await resolveConditionalReference('Patient?identifier=s|1', new Map(), ctx, cache)).toBe('Patient/p1');
    answers.set('Patient?identifier=s%7C2', ['a', 'b']);
    const several = await rejects(resolveConditionalReference('Patient?identifier=s|2', new Map(), ctx, cache), 412);
    expect(several.issues[0]?.code).toBe('multiple-matches');
    const none = await rejects(resolveConditionalReference('Patient?identifier=s|3', new Map(), ctx, cache), 412);
    expect(none.issues[0]?.code).toBe('not-found');
  });
});
