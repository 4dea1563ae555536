/**
 * Search benchmark: loads 100 000 Observations for 1 000 patients (plus their Encounters and
 * Appointments) straight into the embedded engine through indexResource + insertOne, creates the
 * indexes of indexSpecsFor, then times the telehealth searches in-process (no HTTP) and reports
 * p50/p95 per search, with the embedded engine's candidate count when it exposes explain().
 * Writes bench/results/search.md.
 *
 *   npm run bench:search -- --patients 1000 --per-patient 100 --runs 200
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Resource } from 'fhir/r4';
import { UNRESTRICTED } from '../src/fhir/access/context';
import type { FhirContext } from '../src/fhir/request';
import type { ResourceDocument } from '../src/fhir/resource-document';
import { indexResource, indexSpecsFor, searchResources } from '../src/fhir/search/api';
import { compileCriteria } from '../src/fhir/search/criteria';
import { isResultParam } from '../src/fhir/search/result-params';
import type { Filter, TxSession } from '../src/storage/port';
import { openEmbeddedStore } from '../src/storage/embedded/store';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const PATIENTS = arg('patients', 1000);
const PER_PATIENT = arg('per-patient', 100);
const RUNS = arg('runs', 200);

const CODES = ['8867-4', '8480-6', '8462-4', '29463-7', '8310-5'];
const DAY = 86_400_000;
const START = Date.parse('2023-01-01T00:00:00Z');

function doc(resource: Resource, at: number): ResourceDocument {
  const lastUpdated = new Date(at).toISOString();
  const stamped = { ...resource, meta: { versionId: '1', lastUpdated } } as Resource;
  return { _id: resource.id as string, versionId: 1, lastUpdated, lastUpdatedMs: at, deleted: false, resource: stamped, ...indexResource(stamped) };
}

async function load(ctx: FhirContext): Promise<{ observationsPerSecond: number }> {
  for (const type of ['Patient', 'Observation', 'Encounter', 'Appointment', 'Practitioner']) {
    for (const spec of indexSpecsFor(type)) await ctx.store.collection(type).createIndex(spec);
  }
  for (let d = 0; d < 50; d++) {
    await ctx.store.collection('Practitioner').insertOne(doc({ resourceType: 'Practitioner', id: `dr${d}`, name: [{ family: `Doctor${d}` }] } as Resource, START));
  }
  let observationMs = 0;
  let observations = 0;
  for (let p = 0; p < PATIENTS; p++) {
    // One transaction per patient: the embedded engine commits it as one journal record.
    await ctx.store.withTransaction(async (session) => {
      const t0 = process.hrtime.bigint();
      await loadPatient(ctx, p, session);
      observationMs += Number(process.hrtime.bigint() - t0) / 1e6;
      observations += PER_PATIENT;
    });
  }
  return { observationsPerSecond: Math.round(observations / (observationMs / 1000)) };
}

/** A patient with PER_PATIENT Observations, 5 Encounters and 5 Appointments. */
async function loadPatient(ctx: FhirContext, p: number, session: TxSession): Promise<void> {
  const patient = `pat${p}`;
  {
    await ctx.store.collection('Patient').insertOne(
      doc({
        resourceType: 'Patient', id: patient, gender: p % 2 ? 'female' : 'male', birthDate: `19${50 + (p % 50)}-0${1 + (p % 9)}-1${p % 10}`,
        name: [{ family: `Family${p % 300}`, given: [`Given${p}`] }], identifier: [{ system: 'http://hospital.example/mrn', value: `MRN-${p}` }],
      } as Resource, START),
      { session },
    );
    for (let i = 0; i < PER_PATIENT; i++) {
      const at = START + (i * 7 + (p % 7)) * DAY;
      await ctx.store.collection('Observation').insertOne(
        doc({
          resourceType: 'Observation', id: `obs${p}-${i}`, status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: CODES[i % CODES.length] as string }] },
          subject: { reference: `Patient/${patient}` }, effectiveDateTime: new Date(at).toISOString(),
          valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
        } as Resource, at),
        { session },
      );
    }
    for (let e = 0; e < 5; e++) {
      const at = START + (e * 60 + (p % 30)) * DAY;
      await ctx.store.collection('Encounter').insertOne(
        doc({
          resourceType: 'Encounter', id: `enc${p}-${e}`, status: e % 2 ? 'in-progress' : 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: e % 3 ? 'VR' : 'AMB' },
          subject: { reference: `Patient/${patient}` }, period: { start: new Date(at).toISOString(), end: new Date(at + 1_800_000).toISOString() },
        } as Resource, at),
        { session },
      );
      await ctx.store.collection('Appointment').insertOne(
        doc({
          resourceType: 'Appointment', id: `apt${p}-${e}`, status: e % 4 ? 'booked' : 'cancelled',
          start: new Date(at).toISOString(), end: new Date(at + 1_800_000).toISOString(),
          participant: [{ actor: { reference: `Patient/${patient}` }, status: 'accepted' }, { actor: { reference: `Practitioner/dr${p % 50}` }, status: 'accepted' }],
        } as Resource, at),
        { session },
      );
    }
  }
}

interface Row {
  name: string;
  type: string;
  query: (i: number) => string;
}

const rows: Row[] = [
  { name: 'Observation by patient, code, date, sorted', type: 'Observation', query: (i) => `patient=pat${i % PATIENTS}&code=http://loinc.org|8867-4&date=ge2024-01-01&_sort=-date&_count=10` },
  { name: 'Encounter by patient, class, status', type: 'Encounter', query: (i) => `patient=pat${i % PATIENTS}&class=VR&status=finished` },
  { name: 'Appointment by practitioner, date, status', type: 'Appointment', query: (i) => `actor=Practitioner/dr${i % 50}&date=ge2023-06-01&status=booked&_count=20` },
  { name: 'Patient by identifier', type: 'Patient', query: (i) => `identifier=http://hospital.example/mrn|MRN-${i % PATIENTS}` },
  { name: 'Patient by name and birthdate', type: 'Patient', query: (i) => `name=family${i % 300}&birthdate=ge1950-01-01` },
  { name: 'Patient compartment: Observations', type: 'Observation', query: (i) => `patient=pat${i % PATIENTS}&_count=50` },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-bench-search-'));
  const store = await openEmbeddedStore({ dataDir });
  const ctx: FhirContext = {
    store, operations: [], beforeWrite: [], afterWrite: [], access: UNRESTRICTED, requestId: 'bench',
    settings: { baseUrl: 'http://localhost:8080/fhir', defaultPageSize: 20, maxPageSize: 1000, maxBundleEntries: 1000, validationMode: 'reject' },
  };
  try {
    const started = Date.now();
    const { observationsPerSecond } = await load(ctx);
    const loadSeconds = (Date.now() - started) / 1000;
    console.log(`loaded ${PATIENTS * PER_PATIENT} Observations in ${loadSeconds.toFixed(1)} s (${observationsPerSecond} Observations/s indexed and stored)`);
    const lines = [
      '# Search benchmark (embedded engine, in-process)',
      '',
      `${PATIENTS} patients, ${PATIENTS * PER_PATIENT} Observations, ${PATIENTS * 5} Encounters, ${PATIENTS * 5} Appointments; ${RUNS} runs per search.`,
      `Load: ${loadSeconds.toFixed(1)} s; indexing + insert rate ${observationsPerSecond} Observations/s (one transaction per patient, index entries computed by indexResource).`,
      '',
      '| Search | p50 (ms) | p95 (ms) | matches | candidates (of collection) | index |',
      '|---|---:|---:|---:|---:|---|',
    ];
    for (const row of rows) {
      const times: number[] = [];
      let matches = 0;
      // Warm-up (JIT, lazily loaded definitions) is not measured.
      for (let i = 0; i < 20; i++) await searchResources({ resourceType: row.type, query: [...new URLSearchParams(row.query(i + 1))], lenient: false }, ctx);
      for (let i = 0; i < RUNS; i++) {
        const query = [...new URLSearchParams(row.query(i))];
        const t0 = process.hrtime.bigint();
        const bundle = await searchResources({ resourceType: row.type, query, lenient: false }, ctx);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        matches = bundle.total ?? 0;
      }
      times.sort((a, b) => a - b);
      const explain = await explainQuery(ctx, row.type, row.query(7));
      lines.push(`| ${row.name}<br>\`${row.type}?${row.query(7).replace(/\|/g, '\\|')}\` | ${percentile(times, 50).toFixed(2)} | ${percentile(times, 95).toFixed(2)} | ${matches} | ${explain} |`);
      console.log(row.name, 'p50', percentile(times, 50).toFixed(2), 'p95', percentile(times, 95).toFixed(2), explain);
    }
    mkdirSync(path.join(process.cwd(), 'bench', 'results'), { recursive: true });
    const out = path.join(process.cwd(), 'bench', 'results', 'search.md');
    writeFileSync(out, `${lines.join('\n')}\n`);
    console.log(`wrote ${out}`);
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Candidate count from the embedded engine's explain(), when the engine offers it. */
async function explainQuery(ctx: FhirContext, type: string, query: string): Promise<string> {
  const pairs = [...new URLSearchParams(query)].filter(([name]) => !isResultParam(name));
  const { filter } = await compileCriteria(type, pairs, ctx, false);
  const collection = ctx.store.collection(type) as unknown as { explain?: (f: Filter) => { index?: string; candidates: number } };
  if (typeof collection.explain !== 'function') return 'n/a (engine has no explain) | n/a';
  const total = await ctx.store.collection(type).countDocuments({});
  const plan = collection.explain({ $and: [{ deleted: false }, filter] });
  return `${plan.candidates} (of ${total}) | ${plan.index ?? 'full scan'}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
