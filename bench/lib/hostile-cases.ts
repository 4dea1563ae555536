import { seedPatientsWithReferences, seedPatientWithObservations } from './hostile-seed';

/** The hostile requests of bench/hostile.ts: each one cheap for a client to send, possibly expensive to serve. */

export interface CaseOptions {
  /** Patients (with Organization/Practitioner references) seeded for the _include=* batch. */
  seedPatients: number;
  /** Entries of the _include=* batch. */
  batchEntries: number;
  /** Observations about one Patient for the _revinclude case. */
  observations: number;
  /** Nesting depth of the deep-JSON case. */
  depth: number;
}

export interface HostileRequest {
  method: 'GET' | 'POST';
  /** Path and query from the server's origin. */
  path: string;
  /** Built once per case, before any timing starts (fetch encodes it; the /healthz poller runs in its own thread). */
  body?: string;
}

export interface HostileCase {
  /** Short name for --only. */
  key: string;
  /** Cases of one group share a server (and its store) while it stays healthy. */
  group: 'plain' | 'seeded';
  title: string;
  /** What a well-behaved server answers. */
  expected: string;
  /** Seeds the (fresh) server when the case needs data, then builds the request. */
  prepare(origin: string, options: CaseOptions): Promise<HostileRequest>;
  /** A remark on a 2xx answer beyond its status (called after timing stops); `failure` fails the Targets column. */
  inspect?(body: Buffer): { note: string; failure?: string };
}

const MB = 1024 * 1024;

/** A Patient whose only name is 15 MB long (or any size): one huge string, nothing else odd. */
function patientWithFamilyOf(bytes: number): string {
  return `{"resourceType":"Patient","name":[{"family":"${'a'.repeat(bytes)}"}]}`;
}

/** `depth` extensions, each inside the previous one's `extension` array; built as text (no recursion). */
function nestedExtensions(depth: number): string {
  const open = '{"url":"http://example.org/fhir/StructureDefinition/nested","extension":[';
  const leaf = '{"url":"http://example.org/fhir/StructureDefinition/leaf","valueString":"deep"}';
  return `{"resourceType":"Patient","extension":[${open.repeat(depth)}${leaf}${']}'.repeat(depth)}]}`;
}

/** Conditional headers of a transaction given as a number, an object and an array instead of strings. */
function badConditionalTransaction(): string {
  const entry = (n: number, request: Record<string, unknown>) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${n}`,
    resource: {
      resourceType: 'Patient',
      ...(request.method === 'PUT' ? { id: `hostile-${n}` } : {}),
      active: true,
    },
    request,
  });
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry(1, { method: 'POST', url: 'Patient', ifNoneExist: 12345 }),
      entry(2, { method: 'POST', url: 'Patient', ifNoneExist: { $gt: '' } }),
      entry(3, { method: 'PUT', url: 'Patient/hostile-3', ifMatch: 42 }),
      entry(4, { method: 'PUT', url: 'Patient/hostile-4', ifMatch: { $ne: null } }),
      entry(5, { method: 'PUT', url: 'Patient/hostile-5', ifMatch: ['W/"1"'] }),
    ],
  };
  return JSON.stringify(bundle);
}

/** Search-set entries counted by mode, and whether an OperationOutcome entry says the result is partial. */
function describeSearchset(body: Buffer): { note: string; failure?: string } {
  const bundle = JSON.parse(body.toString('utf8')) as {
    entry?: Array<{ resource?: { resourceType?: string }; search?: { mode?: string } }>;
  };
  const modes = new Map<string, number>();
  let outcome = false;
  for (const e of bundle.entry ?? []) {
    const mode = e.search?.mode ?? 'none';
    modes.set(mode, (modes.get(mode) ?? 0) + 1);
    if (mode === 'outcome' && e.resource?.resourceType === 'OperationOutcome') outcome = true;
  }
  const counts = [...modes].map(([mode, n]) => `${n} ${mode}`).join(', ');
  const note = `${counts || 'no entries'}; truncation reported: ${outcome ? 'yes' : 'NO'}`;
  const capped = (modes.get('include') ?? 0) >= 1000;
  return capped && !outcome ? { note, failure: 'truncation not reported' } : { note };
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    key: 'errors',
    group: 'plain',
    title: '~60 KB Patient with ~30 000 schema errors (`name: [1,1,…]`)',
    expected: '422 quickly, bounded issue list',
    prepare: async () => ({
      method: 'POST',
      path: '/fhir/Patient',
      body: `{"resourceType":"Patient","name":[${Array(30_000).fill('1').join(',')}]}`,
    }),
  },
  {
    key: 'include',
    group: 'seeded',
    title: 'batch of N × `GET Patient?_count=1000&_include=*`',
    expected: '4xx or bounded partial result',
    prepare: async (origin, o) => {
      await seedPatientsWithReferences(origin, o.seedPatients);
      const entry = Array.from({ length: o.batchEntries }, () => ({
        request: { method: 'GET', url: 'Patient?_count=1000&_include=*' },
      }));
      return {
        method: 'POST',
        path: '/fhir',
        body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }),
      };
    },
  },
  {
    key: 'bigstring',
    group: 'plain',
    title: 'Patient with one 15 MB string (`name[0].family`), under the 16 MB limit',
    expected: 'answered without a long stall',
    prepare: async () => ({ method: 'POST', path: '/fhir/Patient', body: patientWithFamilyOf(15 * MB) }),
  },
  {
    key: 'deep',
    group: 'plain',
    title: 'JSON nested D levels deep (extension inside extension)',
    expected: '400/422, never 500 or a crash',
    prepare: async (_origin, o) => ({
      method: 'POST',
      path: '/fhir/Patient',
      body: nestedExtensions(o.depth),
    }),
  },
  {
    key: 'conditional',
    group: 'plain',
    title: 'transaction with `ifNoneExist` / `ifMatch` as number, object, array',
    expected: '400, never 500',
    prepare: async () => ({ method: 'POST', path: '/fhir', body: badConditionalTransaction() }),
  },
  {
    key: 'toolarge',
    group: 'plain',
    title: '20 MB body (over the 16 MB limit) sent with fetch',
    expected: 'the client sees 413 (not EPIPE/reset)',
    prepare: async () => ({ method: 'POST', path: '/fhir/Patient', body: patientWithFamilyOf(20 * MB) }),
  },
  {
    key: 'revinclude',
    group: 'seeded',
    title: '`Patient?_id=X&_revinclude=Observation:subject` with N Observations (include cap 1 000)',
    expected: '200 that says it was truncated',
    prepare: async (origin, o) => {
      const id = await seedPatientWithObservations(origin, o.observations);
      return { method: 'GET', path: `/fhir/Patient?_id=${id}&_revinclude=Observation:subject` };
    },
    inspect: describeSearchset,
  },
];

/** Row titles with the configured sizes filled in. */
export function titleOf(c: HostileCase, o: CaseOptions): string {
  if (c.key === 'include')
    return c.title.replace('N ×', `${o.batchEntries} ×`) + ` over ${o.seedPatients} seeded Patients`;
  if (c.key === 'deep') return c.title.replace('D levels', `${o.depth} levels`);
  if (c.key === 'revinclude') return c.title.replace('N Observations', `${o.observations} Observations`);
  return c.title;
}
