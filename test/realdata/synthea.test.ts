import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import { hasSharedData, readGzipJson, syntheaFiles } from '../../bench/lib/shared-data';
import { readDefinitionFile } from '../../src/fhir/definitions/files';
import type { TestApp } from '../helpers/app';
import type { Reply } from '../helpers/send';
import { composedTestServer, inBatches } from './server';

/**
 * Synthea patients loaded over HTTP as a client does (POST [base]): the organization and
 * practitioner batch Bundles first, then every patient transaction, validation mode reject. Then
 * each resource is read back (equal to what was sent but for id, meta and the references the
 * server resolved) and Patient/$everything returns each patient's compartment.
 */

type Server = TestApp & { send: (method: 'GET' | 'POST', target: string, body?: unknown) => Promise<Reply> };
type Json = Record<string, unknown>;

interface Loaded {
  file: string;
  bundle: Bundle;
  reply: Reply;
}

const present = hasSharedData();
if (!present) console.log('SKIPPED: Synthea test: ../shared/data/synthea is absent (set SHARED_DATA_DIR)');
const maybe = present ? describe : describe.skip;

/** `Type/id` from a response location `Type/id/_history/n` (absolute or relative). */
function typeAndId(location: string | undefined): string | undefined {
  const match = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/[^/]+$/.exec(location ?? '');
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** The patient CompartmentDefinition: resource type → the search parameters that link it to a patient. */
function patientCompartmentTypes(): Set<string> {
  const definition = readDefinitionFile<{ resource?: Array<{ code: string; param?: string[] }> }>('compartmentdefinition-patient.json');
  return new Set((definition.resource ?? []).filter((r) => (r.param ?? []).length > 0).map((r) => r.code));
}

/** Every `reference` string anywhere in `node`. */
function references(node: unknown, into: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => references(n, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string') into.push(value);
      else references(value, into);
    }
  }
  return into;
}

/** `input` with its references as the server must have stored them (urn:uuid and conditional → Type/id). */
function rewritten(node: unknown, resolve: (reference: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewritten(n, resolve));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'reference' && typeof value === 'string' ? resolve(value) : rewritten(value, resolve);
  return out;
}

function withoutIdAndMeta(resource: Json): Json {
  const copy = { ...resource };
  delete copy.id;
  delete copy.meta;
  return copy;
}

/** The first path where `a` and `b` differ, for a readable failure. */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Json)[key], (b as Json)[key], `${at}.${key}`);
      if (d) return d;
    }
  }
  return `${at}: sent ${JSON.stringify(a)?.slice(0, 120)}, read ${JSON.stringify(b)?.slice(0, 120)}`;
}

maybe('Synthea bundles over HTTP (validation mode reject)', () => {
  let server: Server;
  const loaded: Loaded[] = [];
  /** `urn:uuid:…` of every transaction entry → `Type/id` the server gave it */
  const byFullUrl = new Map<string, string>();
  /** `Type|system|value` of every stored resource → `Type/id`, to resolve conditional references */
  const byIdentifier = new Map<string, string>();
  /** each entry sent → `Type/id` its response named */
  const storedAs = new Map<BundleEntry, string>();

  beforeAll(async () => {
    server = (await composedTestServer({ maxBundleEntries: 10000 })) as Server;
    const timings: string[] = [];
    for (const file of syntheaFiles()) {
      const bundle = readGzipJson<Bundle>(file);
      const started = Date.now();
      const reply = await server.send('POST', '', bundle);
      const ms = Date.now() - started;
      const count = bundle.entry?.length ?? 0;
      timings.push(`${path.basename(file)}: ${bundle.type} of ${count} in ${ms} ms (${Math.round((count * 1000) / Math.max(ms, 1))} resources/s) → ${reply.status}`);
      loaded.push({ file: path.basename(file), bundle, reply });
      (bundle.entry ?? []).forEach((entry, i) => {
        const stored = typeAndId(reply.body?.entry?.[i]?.response?.location);
        if (!stored || !entry.resource) return;
        storedAs.set(entry, stored);
        if (entry.fullUrl) byFullUrl.set(entry.fullUrl, stored);
        for (const identifier of (entry.resource as { identifier?: Array<{ system?: string; value?: string }> }).identifier ?? []) {
          byIdentifier.set(`${entry.resource.resourceType}|${identifier.system}|${identifier.value}`, stored);
        }
      });
    }
    console.log(`Synthea load times:\n${timings.join('\n')}`);
  }, 15 * 60_000);
  afterAll(() => server?.close());

  it('loads the two batch Bundles first, then every patient transaction', () => {
    const types = loaded.map((l) => l.bundle.type);
    expect(loaded.slice(0, 2).map((l) => l.file)).toEqual([expect.stringMatching(/^0-hospitalInformation/), expect.stringMatching(/^0-practitionerInformation/)]);
    expect(types).toEqual(['batch', 'batch', ...loaded.slice(2).map(() => 'transaction')]);
    expect(loaded.length).toBeGreaterThan(2);
  });

  it('every Bundle and every entry succeeds', () => {
    const failures: string[] = [];
    for (const { file, bundle, reply } of loaded) {
      if (reply.status !== 200) failures.push(`${file} → ${reply.status}: ${JSON.stringify(reply.body?.issue?.slice(0, 3))}`);
      (reply.body?.entry ?? []).forEach((e: BundleEntry, i: number) => {
        if (!/^20[01]/.test(e.response?.status ?? '')) failures.push(`${file} entry ${i} → ${e.response?.status} ${JSON.stringify(e.response?.outcome ?? '')}`);
      });
      expect(reply.body?.entry ?? []).toHaveLength(bundle.entry?.length ?? 0);
    }
    expect(failures).toEqual([]);
  });

  it('reads every resource back as sent, apart from id, meta and the resolved references', async () => {
    let conditionalReferences = 0;
    const resolve = (reference: string): string => {
      if (reference.startsWith('urn:uuid:')) return byFullUrl.get(reference) ?? `unresolved ${reference}`;
      const conditional = /^([A-Za-z]+)\?identifier=([^|]*)\|(.+)$/.exec(reference);
      if (conditional) conditionalReferences++;
      if (conditional) return byIdentifier.get(`${conditional[1]}|${conditional[2]}|${decodeURIComponent(conditional[3] as string)}`) ?? `unresolved ${reference}`;
      return reference;
    };
    const entries = loaded.flatMap(({ file, bundle }) => (bundle.entry ?? []).map((entry) => ({ file, entry })));
    const stored = new Set<string>();
    const mismatches = (
      await inBatches(entries, 4, async ({ file, entry }) => {
        const sent = entry.resource as Resource;
        const target = storedAs.get(entry);
        if (!target) return `${file}: no stored resource for ${sent.resourceType} ${entry.fullUrl ?? ''}`;
        // the batch Bundles' conditional creates may answer an earlier copy: compare each stored resource once
        if (stored.has(target)) return undefined;
        stored.add(target);
        const read = await server.send('GET', target);
        if (read.status !== 200) return `${file}: GET ${target} → ${read.status}`;
        const expected = withoutIdAndMeta(rewritten(sent, resolve) as Json);
        const actual = withoutIdAndMeta(read.body as Json);
        const id = (read.body as Json).id;
        if (`${sent.resourceType}/${id}` !== target) return `${file}: ${target} read back as id ${String(id)}`;
        const difference = firstDifference(expected, actual);
        return difference ? `${file} ${target}${difference}` : undefined;
      })
    ).filter((m): m is string => m !== undefined);
    expect(mismatches.slice(0, 20)).toEqual([]);
    // the 2021 patients name Organization/Practitioner/Location by `Type?identifier=system|value`
    expect(conditionalReferences).toBeGreaterThan(1000);
    // Allen and Frankie carry their own copies of some Organizations: conditional creates answer the stored one
    expect(stored.size).toBeGreaterThan(loaded.reduce((n, l) => n + (l.bundle.type === 'transaction' ? (l.bundle.entry?.length ?? 0) : 0), 0));
  }, 15 * 60_000);

  it('Patient/$everything returns every resource of the bundle in the patient compartment', async () => {
    const compartmentTypes = patientCompartmentTypes();
    for (const { file, bundle } of loaded.filter((l) => l.bundle.type === 'transaction')) {
      const patientEntry = (bundle.entry ?? []).find((e) => e.resource?.resourceType === 'Patient') as BundleEntry;
      const patient = byFullUrl.get(patientEntry.fullUrl as string) as string;
      const expected = (bundle.entry ?? [])
        .filter((e) => e.resource && (e === patientEntry || (compartmentTypes.has(e.resource.resourceType) && references(e.resource).includes(patientEntry.fullUrl as string))))
        .map((e) => byFullUrl.get(e.fullUrl as string) as string);
      const returned = new Set<string>();
      let next: string | undefined = `${patient}/$everything?_count=1000`;
      for (let pages = 0; next && pages < 50; pages++) {
        const reply: Reply = await server.send('GET', next);
        expect(reply.status).toBe(200);
        for (const e of reply.body.entry ?? []) returned.add(`${e.resource.resourceType}/${e.resource.id}`);
        const link = (reply.body.link ?? []).find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;
        next = link ? link.slice(link.indexOf('/fhir/') + '/fhir/'.length) : undefined;
      }
      expect({ file, missing: expected.filter((r) => !returned.has(r)) }).toEqual({ file, missing: [] });
      expect(expected.length).toBeGreaterThan(100);
    }
  }, 10 * 60_000);
});
