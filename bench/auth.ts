/**
 * Cost of authorization on reads, against the BUILT server (node dist/src/main.js, embedded store,
 * loopback): GET Patient/[id] on three servers started side by side —
 *   off      AUTH=off
 *   on       AUTH=on, Bearer token (client_credentials), verified-token cache on (default)
 *   uncached AUTH=on, same kind of token, AUTH_TOKEN_CACHE_SIZE=0 (signature verified every time)
 * Rounds are interleaved (off, on, uncached, off, on, …) so that a change of machine load hits
 * every variant alike; the table reports every round and the medians. A second table gives the
 * in-process cost of resolving one Authorization header (AuthModule.resolveAccess), cached and
 * not, which the machine's load disturbs far less. Writes bench/results/auth.md.
 *
 *   npm run bench:auth                                        # 50 connections, 5 s per round, 3 rounds
 *   npm run bench:auth -- --rounds 5 --duration 3 --connections 20
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAuthModule } from '../src/auth';
import { openLocalAdmin } from '../src/auth/local-admin';
import { openEmbeddedStore } from '../src/storage/embedded/store';
import { load, type LoadResult } from './lib/load';
import { median } from './lib/median';
import { numberOption } from './lib/options';
import { benchPatient } from './lib/payloads';
import { repoRoot, spawnTelefhir, type RunningServer } from './lib/server';

const option = numberOption;

/** A throwaway secret for the bootstrap admin client of the benchmark's own temporary stores. */
const ADMIN_SECRET = `bench-${Math.random().toString(36).slice(2)}-secret`;
const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

interface Variant {
  name: string;
  server: RunningServer;
  headers: Record<string, string>;
  path: string;
  rounds: LoadResult[];
}

async function bearerToken(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`admin:${ADMIN_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds' }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`the token request failed with ${res.status}`);
  return body.access_token;
}

async function variant(name: string, server: RunningServer, authorized: boolean): Promise<Variant> {
  const headers: Record<string, string> = authorized ? { Authorization: `Bearer ${await bearerToken(server.url)}` } : {};
  const res = await fetch(`${server.url}/fhir/Patient`, { method: 'POST', headers: { ...FHIR_JSON, ...headers }, body: JSON.stringify(benchPatient()) });
  const created = (await res.json()) as { id?: string };
  if (res.status !== 201 || !created.id) throw new Error(`seeding a Patient on '${name}' failed with ${res.status}`);
  return { name, server, headers: { ...headers, Accept: 'application/fhir+json' }, path: `/fhir/Patient/${created.id}`, rounds: [] };
}


interface VerificationCost {
  cachedUs: number;
  uncachedUs: number;
}

/** Microseconds per AuthModule.resolveAccess of one Bearer header, cached and not (medians of 3 interleaved runs). */
async function verificationCost(): Promise<VerificationCost> {
  const dir = mkdtempSync(path.join(tmpdir(), 'telefhir-bench-auth-'));
  const store = await openEmbeddedStore({ dataDir: dir });
  try {
    const baseUrl = 'http://localhost:8080/fhir';
    const { access_token: token } = await (await openLocalAdmin({ store, baseUrl })).issueToken({ scope: 'system/*.rs' });
    const header = `Bearer ${token}`;
    const cached = await createAuthModule({ store, baseUrl });
    const uncached = await createAuthModule({ store, baseUrl, tokenCacheSize: 0 });
    const perCall = async (auth: typeof cached, calls: number) => {
      const started = performance.now();
      for (let i = 0; i < calls; i++) await auth.resolveAccess(header);
      return ((performance.now() - started) * 1000) / calls;
    };
    await perCall(cached, 2000);
    await perCall(uncached, 500);
    const runs: VerificationCost[] = [];
    for (let round = 0; round < 3; round++) runs.push({ cachedUs: await perCall(cached, 20_000), uncachedUs: await perCall(uncached, 2_000) });
    return { cachedUs: median(runs.map((r) => r.cachedUs)), uncachedUs: median(runs.map((r) => r.uncachedUs)) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(variants: Variant[], run: { rounds: number; duration: number; connections: number }, loads: number[], cost: VerificationCost): string {
  const [off] = variants;
  const offMedian = median(off?.rounds.map((r) => r.rps) ?? []);
  const lines = [
    '# Authorization benchmark',
    '',
    `${new Date().toISOString().slice(0, 10)} · GET Patient/[id] · ${run.connections} connections · ${run.rounds} interleaved rounds of ${run.duration} s per variant · ` +
      `Node ${process.version} · ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}) · 1-min load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (start → end) · ` +
      'embedded store · loopback. Load generator and servers share the machine: compare ratios, not absolute numbers.',
    '',
    '| Variant | rounds (req/s) | median req/s | median p50 (ms) | median p99 (ms) | vs AUTH=off | non-2xx | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const v of variants) {
    const rps = median(v.rounds.map((r) => r.rps));
    const sum = (pick: (r: LoadResult) => number) => v.rounds.reduce((total, r) => total + pick(r), 0);
    lines.push(
      `| ${v.name} | ${v.rounds.map((r) => Math.round(r.rps)).join(' / ')} | ${Math.round(rps)} | ${median(v.rounds.map((r) => r.p50))} | ` +
        `${median(v.rounds.map((r) => r.p99))} | ${offMedian > 0 ? Math.round((rps / offMedian) * 100) : 0} % | ${sum((r) => r.non2xx)} | ${sum((r) => r.errors)} |`,
    );
  }
  lines.push(
    '',
    '| In process: one `resolveAccess(Authorization)` | µs per call (median of 3) |',
    '|---|---:|',
    `| verified-token cache hit | ${cost.cachedUs.toFixed(1)} |`,
    `| full verification (AUTH_TOKEN_CACHE_SIZE=0) | ${cost.uncachedUs.toFixed(1)} |`,
  );
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const run = { rounds: option('rounds', 3, 20), duration: option('duration', 5, 120), connections: option('connections', 50, 500) };
  const loads = [loadavg()[0] ?? 0];
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string>) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'telefhir-bench-auth-'));
    dirs.push(dir);
    const server = await spawnTelefhir(dir, env);
    servers.push(server);
    return server;
  };
  try {
    // one admin token serves the whole run: let it outlive the 300 s default of backend tokens
    const authOn = { AUTH: 'on', ADMIN_CLIENT_SECRET: ADMIN_SECRET, BACKEND_TOKEN_LIFETIME_SECONDS: '86400' };
    const variants = [
      await variant('AUTH=off', await start({}), false),
      await variant('AUTH=on, Bearer (cached verification)', await start(authOn), true),
      await variant('AUTH=on, Bearer, AUTH_TOKEN_CACHE_SIZE=0', await start({ ...authOn, AUTH_TOKEN_CACHE_SIZE: '0' }), true),
    ];
    const warm = { duration: Math.min(2, run.duration), connections: run.connections };
    // unrecorded runs first: JIT, lazy compilation and caches warm up as in production
    for (const v of variants) await load(v.name, v.server.url, { path: v.path, headers: v.headers }, warm);
    for (let round = 1; round <= run.rounds; round++) {
      for (const v of variants) {
        const r = await load(v.name, v.server.url, { path: v.path, headers: v.headers }, run);
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${v.name}: ${r.non2xx} non-2xx and ${r.errors} errors`);
        process.stderr.write(`round ${round} ${v.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`);
        v.rounds.push(r);
      }
    }
    loads.push(loadavg()[0] ?? 0);
    const cost = await verificationCost();
    process.stderr.write(`resolveAccess: ${cost.cachedUs.toFixed(1)} µs cached, ${cost.uncachedUs.toFixed(1)} µs uncached\n`);
    const text = markdown(variants, run, loads, cost);
    process.stdout.write('\n' + text);
    const outDir = path.join(repoRoot(), 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'auth.md'), text);
  } finally {
    for (const s of servers.reverse()) await s.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:auth failed: ${(error as Error).message}\n`);
  process.exit(1);
});
