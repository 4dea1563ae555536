/**
 * Bulk export benchmark: `count` Observations loaded into the BUILT server (node dist/src/main.js,
 * embedded store, AUTH=off, loopback only), then one `$export?_type=Observation` while a client
 * keeps reading (a read by id and a patient search, alternately, every ~20 ms). Reports
 * resources/s from kick-off to manifest, the server's RSS growth during the export (sampled from
 * /proc every 50 ms), and the latency of the concurrent reads. Writes bench/results/export.md.
 *
 *   npm run bench:export -- --count 200000
 * Targets: ≥ 20 000 resources/s, RSS growth ≤ 100 MB, concurrent read p99 ≤ 100 ms.
 */
import { readFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Resource } from 'fhir/r4';
import { indexResource } from '../src/fhir/search/api';
import { openEmbeddedStore } from '../src/storage/embedded/store';
import { numberOption } from './lib/options';
import { repoRoot, spawnServer } from './lib/server';

const count = numberOption('count', 200_000, 5_000_000);
const PATIENTS = 200;
const BUNDLE = 1000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const observation = (n: number) => ({
  resourceType: 'Observation',
  id: `obs-${n}`,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/pat-${n % PATIENTS}` },
  effectiveDateTime: new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString(),
  valueQuantity: { value: 60 + (n % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

async function post(base: string, body: unknown): Promise<void> {
  const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`load failed: ${res.status} ${(await res.text()).slice(0, 500)}`);
  await res.arrayBuffer();
}

async function load(base: string): Promise<void> {
  const patients = Array.from({ length: PATIENTS }, (_, i) => ({ resource: { resourceType: 'Patient', id: `pat-${i}` }, request: { method: 'PUT', url: `Patient/pat-${i}` } }));
  await post(base, { resourceType: 'Bundle', type: 'batch', entry: patients });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next += BUNDLE;
      const entry = [];
      for (let n = start; n < Math.min(start + BUNDLE, count); n++) entry.push({ resource: observation(n), request: { method: 'PUT', url: `Observation/obs-${n}` } });
      await post(base, { resourceType: 'Bundle', type: 'batch', entry });
    }
  };
  await Promise.all([worker(), worker()]);
}

/**
 * `--direct` (the default unless `--http` is given): the Observations are written straight into the
 * embedded store's data directory before the server starts, as the server stores them (indexed,
 * stamped), 1000 per journal record: loading through HTTP costs far more than the export measured.
 */
async function loadDirect(dataDir: string): Promise<void> {
  const store = await openEmbeddedStore({ dataDir });
  const stamp = Date.parse('2025-06-01T00:00:00Z');
  const doc = (raw: Record<string, unknown>) => {
    const lastUpdated = new Date(stamp).toISOString();
    const resource = { ...raw, meta: { versionId: '1', lastUpdated } } as unknown as Resource;
    return { _id: raw.id as string, versionId: 1, lastUpdated, lastUpdatedMs: stamp, deleted: false, resource, ...indexResource(resource) };
  };
  try {
    await store.withTransaction(async (session) => {
      for (let i = 0; i < PATIENTS; i++) await store.collection('Patient').insertOne(doc({ resourceType: 'Patient', id: `pat-${i}` }), { session });
    });
    for (let start = 0; start < count; start += BUNDLE) {
      await store.withTransaction(async (session) => {
        for (let n = start; n < Math.min(start + BUNDLE, count); n++) await store.collection('Observation').insertOne(doc(observation(n)), { session });
      });
    }
  } finally {
    await store.close();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-bench-export-'));
  const viaHttp = process.argv.includes('--http');
  const loadStart = performance.now();
  if (!viaHttp) await loadDirect(dataDir);
  // replaying a large journal at start takes a while on a loaded machine
  const server = await spawnServer({ script: path.join('dist', 'src', 'main.js'), env: { AUTH: 'off', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, timeoutMs: 600_000 });
  const base = `${server.url}/fhir`;
  try {
    if (viaHttp) await load(base);
    process.stdout.write(`loaded ${count} Observations (${viaHttp ? 'HTTP batches' : 'direct'}) in ${((performance.now() - loadStart) / 1000).toFixed(1)} s\n`);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let the load settle (GC, journal)
    const pid = server.child.pid as number;
    const rssBefore = rssMb(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 50);

    let exporting = true;
    let latencies: number[] = [];
    const reads = async (running: () => boolean) => {
      for (let i = 0; running(); i++) {
        const url = i % 2 === 0 ? `${base}/Observation/obs-${(i * 7919) % count}` : `${base}/Observation?patient=Patient/pat-${i % PATIENTS}&_count=10`;
        const t0 = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (!res.ok) throw new Error(`read ${url}: ${res.status}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    // the same reads without an export first: the machine's own latency, for comparison
    const baselineUntil = performance.now() + 5000;
    await reads(() => performance.now() < baselineUntil);
    const baseline = [...latencies].sort((a, b) => a - b);
    latencies = [];
    const reader = reads(() => exporting);

    const t0 = performance.now();
    const kick = await fetch(`${base}/$export?_type=Observation`, { headers: { Prefer: 'respond-async', Accept: 'application/fhir+json' } });
    if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
    const statusUrl = kick.headers.get('content-location') as string;
    let manifest: { output: Array<{ url: string; count: number }> } | undefined;
    while (!manifest) {
      const res = await fetch(statusUrl);
      if (res.status === 200) manifest = (await res.json()) as typeof manifest;
      else if (res.status === 202) await res.arrayBuffer();
      else throw new Error(`status: ${res.status} ${await res.text()}`);
      if (!manifest) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    exporting = false;
    await reader;
    clearInterval(sampler);

    // the files hold every resource once: count the lines while streaming them
    let lines = 0;
    const d0 = performance.now();
    for (const file of manifest?.output ?? []) {
      const res = await fetch(file.url, { headers: { Accept: 'application/fhir+ndjson' } });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines++;
    }
    const downloadSeconds = (performance.now() - d0) / 1000;
    if (lines !== count) throw new Error(`exported ${lines} lines, expected ${count}`);

    const sorted = [...latencies].sort((a, b) => a - b);
    const rate = count / seconds;
    const growth = rssPeak - rssBefore;
    const p99 = percentile(sorted, 99);
    const ok = (pass: boolean) => (pass ? 'yes' : 'NO');
    const rows = [
      `| Export of ${count.toLocaleString('en')} Observations (${manifest?.output.length} files) | ${seconds.toFixed(1)} s | ${Math.round(rate).toLocaleString('en')} res/s | ${ok(rate >= 20_000)} (≥ 20 000) |`,
      `| Server RSS growth during the export | ${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)} MB | +${growth.toFixed(0)} MB | ${ok(growth <= 100)} (≤ 100 MB) |`,
      `| Concurrent reads (${sorted.length}) p50 / p99 / max | | ${percentile(sorted, 50).toFixed(1)} / ${p99.toFixed(1)} / ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms | ${ok(p99 <= 100)} (p99 ≤ 100 ms) |`,
      `| Same reads without an export (${baseline.length}) p50 / p99 / max | | ${percentile(baseline, 50).toFixed(1)} / ${percentile(baseline, 99).toFixed(1)} / ${(baseline[baseline.length - 1] ?? 0).toFixed(1)} ms | (baseline) |`,
      `| Download of every file (streamed) | ${downloadSeconds.toFixed(1)} s | ${Math.round(count / downloadSeconds).toLocaleString('en')} res/s | |`,
    ];
    const table = ['| Measure | Value | Rate / latency | Target met |', '|---|---|---|---|', ...rows].join('\n');
    process.stdout.write(`${table}\n`);
    const dir = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'export.md'), `# Bulk export benchmark\n\nBuilt server, embedded store, AUTH=off, BULK_FILE_MAX_RESOURCES=50000. Reproduce: \`npm run bench:export -- --count ${count}\`.\n\n${table}\n`);
  } catch (error) {
    process.stderr.write(`server output:\n${server.output().slice(-3000)}\n`);
    throw error;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
