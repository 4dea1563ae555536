/**
 * Subscriptions benchmark of the BUILT server (embedded store, AUTH=off, loopback): write
 * throughput (POST Observation) on a server with 1 000 active rest-hook subscriptions against
 * an identical server with none, in interleaved rounds (medians reported), and the delivery
 * latency (receiver arrival − meta.lastUpdated) of the notifications, both while writes saturate
 * the server and at a paced rate. Each write matches exactly one subscription
 * (`Observation?patient=Patient/bench-N`). Writes bench/results/subscriptions.md.
 *
 *   npm run bench:subscriptions                                   # 1000 subscriptions, 3 rounds of 10 s
 *   npm run bench:subscriptions -- --subscriptions 200 --duration 3 --rounds 1
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { load } from './lib/load';
import { numberOption } from './lib/options';
import { benchObservation } from './lib/payloads';
import { repoRoot, spawnTelefhir, type RunningServer } from './lib/server';

const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

interface Receiver {
  url: string;
  latencies: number[];
  close(): Promise<void>;
}

/** Records, per notification, how long after the write's lastUpdated it arrived. */
async function startReceiver(): Promise<Receiver> {
  const latencies: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrived = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { meta?: { lastUpdated?: string } };
        if (body.meta?.lastUpdated) latencies.push(arrived - Date.parse(body.meta.lastUpdated));
      } catch {
        // not a resource: not counted
      }
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, latencies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function post(base: string, type: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${base}/fhir/${type}`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST ${type} → ${res.status}`);
  return (await res.json()) as { id: string };
}

async function subscribeAll(base: string, count: number, endpoint: string): Promise<void> {
  for (let n = 0; n < count; n++) {
    await post(base, 'Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'bench',
      criteria: `Observation?patient=Patient/bench-${n}`,
      channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
    });
  }
  const deadline = Date.now() + 600_000;
  for (;;) {
    const res = await fetch(`${base}/fhir/Subscription?status=active&_summary=count`, { headers: FHIR_JSON });
    const { total } = (await res.json()) as { total: number };
    if (total >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${total} of ${count} subscriptions became active`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const median = (values: number[]) => percentile(values, 50);

/** Waits for `expected` deliveries, or until none arrived for 3 s (or the budget ran out). */
async function drain(receiver: Receiver, expected: number, budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let seen = receiver.latencies.length;
  let quietSince = Date.now();
  while (receiver.latencies.length < expected && Date.now() < deadline && Date.now() - quietSince < 3000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (receiver.latencies.length !== seen) {
      seen = receiver.latencies.length;
      quietSince = Date.now();
    }
  }
}

async function main(): Promise<void> {
  const subscriptions = numberOption('subscriptions', 1000, 100_000);
  const duration = numberOption('duration', 10, 120);
  const rounds = numberOption('rounds', 3, 20);
  const connections = numberOption('connections', 20, 500);
  const paced = numberOption('paced', 200, 100_000);
  const loadBefore = loadavg()[0] ?? 0;
  const dirs = [mkdtempSync(path.join(tmpdir(), 'telefhir-bench-subs-')), mkdtempSync(path.join(tmpdir(), 'telefhir-bench-nosubs-'))];
  const servers: RunningServer[] = [];
  const receiver = await startReceiver();
  try {
    const withSubs = await spawnTelefhir(dirs[0] as string);
    servers.push(withSubs);
    const without = await spawnTelefhir(dirs[1] as string);
    servers.push(without);
    const started = Date.now();
    await subscribeAll(withSubs.url, subscriptions, receiver.url);
    process.stderr.write(`${subscriptions} subscriptions active in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    let turn = 0;
    const bodies = Array.from({ length: subscriptions }, (_, n) => JSON.stringify(benchObservation(`bench-${n}`)));
    const request = { method: 'POST' as const, path: '/fhir/Observation', headers: FHIR_JSON, vary: () => ({ path: '/fhir/Observation', body: bodies[turn++ % bodies.length] as string }) };
    const warm = { connections, duration: Math.min(2, duration) };
    await load('warm-up', without.url, request, warm);
    await load('warm-up', withSubs.url, request, warm);
    await drain(receiver, Number.MAX_SAFE_INTEGER, 120_000);
    const rpsWith: number[] = [];
    const rpsWithout: number[] = [];
    let sent = 0;
    receiver.latencies.length = 0;
    for (let round = 0; round < rounds; round++) {
      const a = await load('no subscriptions', without.url, request, { connections, duration });
      const before = receiver.latencies.length;
      const b = await load(`${subscriptions} subscriptions`, withSubs.url, request, { connections, duration });
      sent += b.total - b.non2xx - b.errors;
      rpsWithout.push(a.rps);
      rpsWith.push(b.rps);
      process.stderr.write(`round ${round + 1}: none ${a.rps.toFixed(0)} req/s, with ${b.rps.toFixed(0)} req/s (${b.non2xx} non-2xx), ${receiver.latencies.length - before} delivered during the run\n`);
    }
    await drain(receiver, sent, 300_000);
    const saturated = [...receiver.latencies];
    await drain(receiver, Number.MAX_SAFE_INTEGER, 60_000);
    // paced: one write at a time, the latency a client sees when the server is not saturated
    receiver.latencies.length = 0;
    for (let n = 0; n < paced; n++) {
      await post(withSubs.url, 'Observation', benchObservation(`bench-${n % subscriptions}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await drain(receiver, paced, 60_000);
    const pacedLatencies = [...receiver.latencies];

    const ratio = median(rpsWith) / median(rpsWithout);
    const rows = [
      '| measure | value | target |',
      '|---|---|---|',
      `| POST Observation, no subscriptions (median of ${rounds}) | ${median(rpsWithout).toFixed(0)} req/s | |`,
      `| POST Observation, ${subscriptions} active subscriptions (median of ${rounds}) | ${median(rpsWith).toFixed(0)} req/s | |`,
      `| throughput ratio | ${(ratio * 100).toFixed(0)} % | ≥ 80 % |`,
      `| delivery latency under saturating writes, p50 / p95 (${saturated.length} of ${sent} notifications) | ${percentile(saturated, 50)} / ${percentile(saturated, 95)} ms | |`,
      `| delivery latency at a paced rate, p50 / p95 (${pacedLatencies.length} of ${paced}) | ${percentile(pacedLatencies, 50)} / ${percentile(pacedLatencies, 95)} ms | p95 ≤ 1000 ms |`,
    ];
    const header =
      `# Subscriptions benchmark\n\n${new Date().toISOString().slice(0, 10)} · ${connections} connections · ${duration} s × ${rounds} interleaved rounds · ` +
      `Node ${process.version} · ${cpus().length} CPU(s) · load average ${loadBefore.toFixed(1)} at start · embedded store · AUTH=off · loopback receiver. ` +
      'Servers, receiver and load generator share the machine: compare ratios, not absolute numbers.\n\n';
    const markdown = header + rows.join('\n') + '\n';
    process.stdout.write('\n' + markdown);
    const outDir = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'subscriptions.md'), markdown);
  } finally {
    for (const s of servers.reverse()) await s.stop();
    await receiver.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:subscriptions failed: ${(error as Error).message}\n`);
  process.exit(1);
});
