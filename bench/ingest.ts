/**
 * Ingest benchmark of the BUILT server (node dist/src/main.js, embedded store, AUTH=off, loopback
 * only), `concurrency` Bundles in flight. Two rows, alternating round by round, medians reported:
 * transaction Bundles of `size` device Observations (the RPM path), and the Synthea patient
 * transactions of ../shared/data (realistic clinical records: hundreds of entries of 20 types,
 * urn:uuid and conditional references), after their organization/practitioner batches.
 * Reports resources/s and Bundle latency; writes bench/results/ingest.md.
 *
 *   npm run bench:ingest -- --rounds 3 --duration 5 --concurrency 8 --size 100
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { deviceBundle, syntheaPayloads } from './lib/ingest-payloads';
import { median } from './lib/median';
import { repoRoot, spawnTelefhir } from './lib/server';
import { hasSharedData } from './lib/shared-data';

interface Options {
  duration: number;
  concurrency: number;
  size: number;
  rounds: number;
}

function options(): Options {
  const args = process.argv.slice(2);
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const parsed = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
    return parsed;
  };
  return { duration: value('duration', 5), concurrency: value('concurrency', 8), size: value('size', 100), rounds: value('rounds', 3) };
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

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Row {
  name: string;
  /** Posts one Bundle; resolves to the resources it committed (0 on failure). */
  post: (n: number) => Promise<number>;
}

interface RoundResult {
  resourcesPerSecond: number;
  bundles: number;
  failed: number;
  latencies: number[];
}

/** `concurrency` clients post Bundles of `row` back to back for `seconds`. */
async function runRound(row: Row, seconds: number, concurrency: number, counter: { next: number }): Promise<RoundResult> {
  const latencies: number[] = [];
  let committed = 0;
  let failed = 0;
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const t0 = performance.now();
      const n = await row.post(counter.next++);
      latencies.push(performance.now() - t0);
      if (n === 0) failed += 1;
      committed += n;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { resourcesPerSecond: committed / ((performance.now() - started) / 1000), bundles: latencies.length, failed, latencies };
}

async function main(): Promise<void> {
  const opts = options();
  const loadBefore = loadavg()[0] ?? 0;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-ingest-'));
  const server = await spawnTelefhir(dataDir, { LOG_LEVEL: 'silent' });
  const base = `${server.url}/fhir`;
  try {
    const patientId = await createResource(base, { resourceType: 'Patient', name: [{ family: 'Bench' }] });
    const deviceId = await createResource(base, { resourceType: 'Device', status: 'active', patient: { reference: `Patient/${patientId}` } });
    const rows: Row[] = [
      {
        name: `device Observations (Bundles of ${opts.size})`,
        post: async (n) => ((await post(base, deviceBundle(patientId, deviceId, n, opts.size), opts.size)) ? opts.size : 0),
      },
    ];
    if (hasSharedData()) {
      const synthea = syntheaPayloads();
      for (const batch of synthea.prerequisites) {
        if (!(await post(base, batch.body, batch.entries))) throw new Error('loading the Synthea organization/practitioner batches failed');
      }
      const patients = synthea.patients;
      rows.push({
        name: `Synthea patient transactions (${patients.map((p) => p.entries).join(' / ')} entries)`,
        post: async (n) => {
          const bundle = patients[n % patients.length] as { body: string; entries: number };
          return (await post(base, bundle.body, bundle.entries)) ? bundle.entries : 0;
        },
      });
    } else {
      process.stderr.write('Synthea row skipped: ../shared/data/synthea is absent (set SHARED_DATA_DIR)\n');
    }
    // warm-up: JIT, lazy compilation of profile trees, first index entries
    for (const row of rows) await runRound(row, 2, opts.concurrency, { next: 1_000_000 });
    // rows alternate round by round (A/B/A/B…): a burst of load from elsewhere hits both alike
    const counter = { next: 0 };
    const results = rows.map(() => [] as RoundResult[]);
    for (let round = 0; round < opts.rounds; round++) {
      for (const [i, row] of rows.entries()) {
        const r = await runRound(row, opts.duration, opts.concurrency, counter);
        process.stderr.write(`round ${round + 1} ${row.name}: ${Math.round(r.resourcesPerSecond)} resources/s, ${r.bundles} Bundles, ${r.failed} failed\n`);
        results[i]?.push(r);
      }
    }
    const lines = [
      '| Row | Concurrency | Rounds × s | Bundles | Failed | resources/s per round | median resources/s | p50 (ms) | p99 (ms) |',
      '|---|---:|---:|---:|---:|---|---:|---:|---:|',
    ];
    for (const [i, row] of rows.entries()) {
      const rounds = results[i] ?? [];
      const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const sum = (f: (r: RoundResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
      lines.push(
        `| ${row.name} | ${opts.concurrency} | ${rounds.length} × ${opts.duration} | ${sum((r) => r.bundles)} | ${sum((r) => r.failed)} | ` +
          `${rounds.map((r) => Math.round(r.resourcesPerSecond)).join(' / ')} | ${Math.round(median(rounds.map((r) => r.resourcesPerSecond)))} | ` +
          `${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} |`,
      );
    }
    const report =
      `# Ingest benchmark\n\n${new Date().toISOString().slice(0, 10)} · embedded store · AUTH=off · loopback · Node ${process.version} · ` +
      `${cpus().length} CPU(s) · load average ${loadBefore.toFixed(1)} at start. Rows alternate round by round; medians.\n` +
      'Targets: 5 000 device Observations/s; 2 000 resources/s for Synthea transactions.\n\n' +
      `${lines.join('\n')}\n`;
    console.log(report);
    const out = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'ingest.md'), report);
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
