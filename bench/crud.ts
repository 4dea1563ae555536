/**
 * CRUD benchmark of the BUILT server (node dist/src/main.js, embedded store, AUTH=off, loopback):
 * read of a Patient, create of an Observation, update of a Patient — each against two references
 * in the same run, a bare node:http server and a bare Express 5 app answering a fixed ~1.5 KB JSON,
 * in interleaved rounds (every row once per round), medians reported. Then the audit trail's cost on
 * reads: AUTH=on without and with AUDIT, in interleaved A/B/C rounds (bench/lib/audit-ab.ts).
 * Prints a Markdown table and writes it to bench/results/crud.md.
 *
 *   npm run bench:crud                                  # 50 connections, 3 rounds of 5 s per scenario
 *   npm run bench:crud -- --duration 3 --rounds 2 --connections 20
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { compareAudit } from './lib/audit-ab';
import { load, type LoadRequest, type LoadResult } from './lib/load';
import { median } from './lib/median';
import { numberOption } from './lib/options';
import { benchObservation, benchPatient } from './lib/payloads';
import { repoRoot, spawnServer, spawnTelefhir, type RunningServer } from './lib/server';
import { markdownTable } from './lib/table';

const option = numberOption;

const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

async function seedPatients(base: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const res = await fetch(`${base}/fhir/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify(benchPatient(n)) });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 201 || !body.id) throw new Error(`seeding a Patient failed with ${res.status}`);
    ids.push(body.id);
  }
  return ids;
}

interface Scenario {
  name: string;
  url: string;
  request: LoadRequest;
}

/** Per scenario, the median of its rounds (req/s, p50, p99) and the sums of failures. */
function medianResult(name: string, rounds: LoadResult[]): LoadResult {
  return {
    name,
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    total: rounds.reduce((n, r) => n + r.total, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
  };
}

async function main(): Promise<void> {
  const duration = option('duration', 5, 120);
  const connections = option('connections', 50, 500);
  const rounds = option('rounds', 3, 20);
  const run = { duration, connections };
  const adminSecret = `bench-${Math.random().toString(36).slice(2)}-secret`;
  // the load before we start tells whether the machine was shared (then only ratios mean much)
  const loadBefore = loadavg()[0] ?? 0;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-bench-'));
  const auditDirs = ['a', 'b', 'c'].map((v) => mkdtempSync(path.join(tmpdir(), `telefhir-bench-${v}-`)));
  const servers: RunningServer[] = [];
  try {
    const nodeRef = await spawnServer({ script: 'dist/bench/lib/reference-server.js', args: ['--kind', 'node'], readyPath: '/' });
    servers.push(nodeRef);
    const expressRef = await spawnServer({ script: 'dist/bench/lib/reference-server.js', args: ['--kind', 'express'], readyPath: '/' });
    servers.push(expressRef);
    // the rows above the audit comparison keep their meaning: AUTH=off, no audit trail
    const telefhir = await spawnTelefhir(dataDir, { AUDIT: 'off' });
    servers.push(telefhir);

    const patients = await seedPatients(telefhir.url, connections);
    const [first] = patients;
    let turn = 0;
    // one body per patient, prepared up front: the load generator must not be the bottleneck
    const updates = patients.map((id) => ({ path: `/fhir/Patient/${id}`, body: JSON.stringify({ ...benchPatient(), id }) }));
    const scenarios: Scenario[] = [
      { name: 'reference: node:http', url: nodeRef.url, request: { path: '/' } },
      { name: 'reference: Express 5 res.end(buffer)', url: expressRef.url, request: { path: '/' } },
      { name: 'read Patient', url: telefhir.url, request: { path: `/fhir/Patient/${first}`, headers: { Accept: 'application/fhir+json' } } },
      {
        name: 'create Observation',
        url: telefhir.url,
        request: { method: 'POST', path: '/fhir/Observation', body: JSON.stringify(benchObservation(first as string)), headers: FHIR_JSON },
      },
      // PUT Patient/[id], rotating over the seeded patients so that writers rarely contend on one document
      {
        name: 'update Patient',
        url: telefhir.url,
        request: { method: 'PUT', path: updates[0]?.path ?? '', headers: FHIR_JSON, vary: () => updates[turn++ % updates.length] as { path: string; body: string } },
      },
    ];
    // a short unrecorded run of each first: JIT, lazy compilation and caches warm up as in production
    for (const s of scenarios) await load(s.name, s.url, s.request, { duration: Math.min(2, duration), connections });
    // references and server rounds alternate (A/B/C/A/B/C…), so that a burst of load from elsewhere
    // on the machine hits every row alike; medians are reported
    const byScenario = scenarios.map(() => [] as LoadResult[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, s] of scenarios.entries()) {
        const r = await load(s.name, s.url, s.request, run);
        process.stderr.write(`round ${round + 1} ${r.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors\n`);
        byScenario[i]?.push(r);
      }
    }
    const results = scenarios.map((s, i) => medianResult(s.name, byScenario[i] ?? []));

    const authOn = { AUTH: 'on', ADMIN_CLIENT_SECRET: adminSecret };
    const variants: Array<{ name: string; env: Record<string, string> }> = [
      { name: 'read Patient, AUTH=on, AUDIT=off (A)', env: { AUDIT: 'off' } },
      { name: 'read Patient, AUTH=on, AUDIT=on (B, durable before the answer)', env: { AUDIT: 'on' } },
      { name: 'read Patient, AUTH=on, AUDIT=on, AUDIT_DURABILITY=async (C)', env: { AUDIT: 'on', AUDIT_DURABILITY: 'async' } },
    ];
    const started = [];
    for (const [i, v] of variants.entries()) {
      const server = await spawnTelefhir(auditDirs[i] as string, { ...authOn, ...v.env });
      servers.push(server);
      started.push({ name: v.name, server });
    }
    const audit = await compareAudit(started, adminSecret, { rounds, duration, connections });
    results.push(...audit.medians);

    const [nodeResult, expressResult] = results;
    const table = markdownTable(results, nodeResult as LoadResult, expressResult as LoadResult);
    const perRound = scenarios.map((s, i) => `- ${s.name}: ${(byScenario[i] ?? []).map((r) => Math.round(r.rps)).join(' / ')} req/s`).join('\n');
    const header = `# CRUD benchmark\n\n${new Date().toISOString().slice(0, 10)} · ${connections} connections · ${rounds} interleaved rounds of ${duration} s, medians · ` +
      `Node ${process.version} · ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}) · load average ${loadBefore.toFixed(1)} at start · ` +
      'embedded store · AUTH=off · loopback. Load generator and servers share the machine: compare ratios, not absolute numbers.\n\n';
    const auditLine =
      `\nAudit trail on reads (AUTH=on, Bearer): ${rounds} interleaved A/B/C rounds, req/s A ${audit.rounds[0]?.join(', ')}; ` +
      `B ${audit.rounds[1]?.join(', ')}; C ${audit.rounds[2]?.join(', ')}. ` +
      `Median overhead vs A: B ${audit.overheadPercent[0]} %, C ${audit.overheadPercent[1]} %.\n`;
    const markdown = `${header}${table}\n\nRounds:\n\n${perRound}\n${auditLine}`;
    process.stdout.write('\n' + markdown);
    const outDir = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'crud.md'), markdown);
  } finally {
    for (const s of servers.reverse()) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of auditDirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:crud failed: ${(error as Error).message}\n`);
  process.exit(1);
});
