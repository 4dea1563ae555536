/**
 * Ingest benchmark: transaction Bundles of 100 device Observations posted to the BUILT server
 * (node dist/src/main.js, embedded store, AUTH=off, loopback only), with a bounded number of
 * concurrent requests. Reports Observations/s and Bundle latency; writes bench/results/ingest.md.
 *
 *   npm run bench:ingest -- --duration 10 --concurrency 8 --size 100
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, spawnTelefhir } from './lib/server';

interface Options {
  duration: number;
  concurrency: number;
  size: number;
}

function options(): Options {
  const args = process.argv.slice(2);
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const parsed = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
    return parsed;
  };
  return { duration: value('duration', 10), concurrency: value('concurrency', 8), size: value('size', 100) };
}

async function createResource(base: string, resource: object): Promise<string> {
  const res = await fetch(`${base}/${(resource as { resourceType: string }).resourceType}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  if (res.status !== 201) throw new Error(`setup create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** A device upload: `size` heart-rate readings, one per second, each with a device identifier. */
function bundle(patientId: string, deviceId: string, batch: number, size: number): string {
  const entry = [];
  for (let i = 0; i < size; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + (batch * size + i) * 1000).toISOString();
    entry.push({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(batch * size + i).padStart(12, '0')}`,
      resource: {
        resourceType: 'Observation',
        identifier: [{ system: 'urn:telefhir:bench', value: `${batch}-${i}` }],
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${patientId}` },
        device: { reference: `Device/${deviceId}` },
        effectiveDateTime: t,
        valueQuantity: { value: 60 + (i % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      },
      request: { method: 'POST', url: 'Observation' },
    });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const opts = options();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-ingest-'));
  const server = await spawnTelefhir(dataDir, { LOG_LEVEL: 'silent' });
  const base = `${server.url}/fhir`;
  try {
    const patientId = await createResource(base, { resourceType: 'Patient', name: [{ family: 'Bench' }] });
    const deviceId = await createResource(base, { resourceType: 'Device', status: 'active', patient: { reference: `Patient/${patientId}` } });
    // Warm-up: validators and indexes compile on first use.
    await post(base, bundle(patientId, deviceId, 1_000_000, opts.size), opts.size);

    const latencies: number[] = [];
    let batches = 0;
    let failures = 0;
    const started = performance.now();
    const stopAt = started + opts.duration * 1000;
    const worker = async (): Promise<void> => {
      while (performance.now() < stopAt) {
        const body = bundle(patientId, deviceId, batches++, opts.size);
        const t0 = performance.now();
        const ok = await post(base, body, opts.size);
        latencies.push(performance.now() - t0);
        if (!ok) failures += 1;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const committed = (latencies.length - failures) * opts.size;
    latencies.sort((a, b) => a - b);
    const table = [
      '| Bundle size | Concurrency | Duration (s) | Bundles | Failed | Observations/s | p50 (ms) | p99 (ms) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${opts.size} | ${opts.concurrency} | ${seconds.toFixed(1)} | ${latencies.length} | ${failures} | ${Math.round(committed / seconds)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} |`,
    ].join('\n');
    const report = `# Ingest benchmark\n\nTransaction Bundles of ${opts.size} device Observations, embedded store, AUTH=off, loopback, Node ${process.version}.\nTarget: 5 000 Observations/s.\n\n${table}\n`;
    console.log(report);
    const results = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(path.join(results, 'ingest.md'), report);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** True when the whole transaction committed (every entry 201). */
async function post(base: string, body: string, size: number): Promise<boolean> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) return false;
  const parsed = JSON.parse(text) as { entry?: Array<{ response?: { status?: string } }> };
  return parsed.entry?.length === size && parsed.entry.every((e) => e.response?.status?.startsWith('201'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
