/**
 * In-process cost of the CPU work every write does before it reaches the store, per resource:
 * JSON-schema validation, the StructureDefinition walk (profiles, bindings, invariants) and the
 * search index entries. Inputs: the CRUD bench's Patient and Observation, and every resource of the
 * Synthea patient transactions in ../shared/data. The steps run in interleaved rounds (every step
 * of every input once per round), medians of the rounds are reported in µs per resource.
 *
 *   npm run bench:write-path -- --rounds 5
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import type { Bundle, Resource } from 'fhir/r4';
import { indexResource } from '../src/fhir/search/api';
import { warmUpSchemaValidator } from '../src/fhir/validation';
import { validateProfiles, warmUpProfileValidator } from '../src/fhir/validation/profile';
import { validateSchema } from '../src/fhir/validation/schema';
import { median } from './lib/median';
import { numberOption } from './lib/options';
import { benchObservation, benchPatient } from './lib/payloads';
import { repoRoot } from './lib/server';
import { hasSharedData, readGzipJson, syntheaFiles } from './lib/shared-data';

const STEPS: Array<[string, (r: Resource) => unknown]> = [
  ['schema', (r) => validateSchema(r)],
  ['profile walk', (r) => validateProfiles(r)],
  ['index entries', (r) => indexResource(r)],
];

function inputs(): Array<[string, Resource[]]> {
  const list: Array<[string, Resource[]]> = [
    ['Patient (CRUD bench)', [benchPatient(1)]],
    ['Observation (CRUD bench)', [benchObservation('p1')]],
  ];
  if (hasSharedData()) {
    const resources = syntheaFiles()
      .map((file) => readGzipJson<Bundle>(file))
      .filter((b) => b.type === 'transaction')
      .flatMap((b) => (b.entry ?? []).map((e) => e.resource as Resource));
    list.push([`Synthea resources (${resources.length})`, resources]);
  }
  return list;
}

/** µs per resource of one pass of `step` over `resources` (repeated to last at least ~50 ms). */
function measure(step: (r: Resource) => unknown, resources: Resource[]): number {
  const repeat = Math.max(1, Math.ceil(200 / resources.length));
  const started = process.hrtime.bigint();
  for (let i = 0; i < repeat; i++) for (const r of resources) step(r);
  return Number(process.hrtime.bigint() - started) / 1e3 / (repeat * resources.length);
}

function main(): void {
  const rounds = numberOption('rounds', 5, 50);
  const loadBefore = loadavg()[0] ?? 0;
  warmUpSchemaValidator();
  warmUpProfileValidator();
  const sets = inputs();
  for (const [, resources] of sets) for (const [, step] of STEPS) measure(step, resources); // JIT warm-up
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, resources] of sets) {
      for (const [stepName, step] of STEPS) {
        const key = `${name}\u0000${stepName}`;
        samples.set(key, [...(samples.get(key) ?? []), measure(step, resources)]);
      }
    }
  }
  const lines = ['| Input | ' + STEPS.map(([s]) => `${s} (µs)`).join(' | ') + ' | total (µs) |', '|---|' + STEPS.map(() => '---:|').join('') + '---:|'];
  for (const [name] of sets) {
    const values = STEPS.map(([s]) => median(samples.get(`${name}\u0000${s}`) ?? []));
    lines.push(`| ${name} | ${values.map((v) => v.toFixed(0)).join(' | ')} | ${values.reduce((a, b) => a + b, 0).toFixed(0)} |`);
  }
  const markdown =
    `# Write-path CPU cost per resource\n\n${new Date().toISOString().slice(0, 10)} · ${rounds} interleaved rounds, medians · Node ${process.version} · ` +
    `${cpus().length} CPU(s) · load average ${loadBefore.toFixed(1)} at start · one thread, in process.\n\n${lines.join('\n')}\n`;
  process.stdout.write('\n' + markdown);
  const outDir = path.join(repoRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'write-path.md'), markdown);
}

main();
