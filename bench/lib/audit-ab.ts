import { load, type LoadResult } from './load';
import { benchPatient } from './payloads';
import type { RunningServer } from './server';

/**
 * The cost of the audit trail on reads: GET Patient/[id] with a Bearer token on servers started
 * side by side — AUTH=on with AUDIT=off (the reference), then each audited variant. Rounds are
 * interleaved (A, B, C, A, B, C, …) so that a change of machine load hits every variant alike;
 * the medians are reported.
 */
const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

export interface AuditVariant {
  name: string;
  server: RunningServer;
}

export interface AuditComparison {
  /** Median rows, the reference first. */
  medians: LoadResult[];
  /** req/s of every round, one array per variant. */
  rounds: number[][];
  /** 1 − median(variant)/median(reference), in percent, per audited variant. */
  overheadPercent: number[];
}

async function bearerToken(url: string, adminSecret: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`admin:${adminSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds' }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`the token request failed with ${res.status}`);
  return body.access_token;
}

async function readTarget(server: RunningServer, adminSecret: string) {
  const headers = { Authorization: `Bearer ${await bearerToken(server.url, adminSecret)}` };
  const res = await fetch(`${server.url}/fhir/Patient`, { method: 'POST', headers: { ...FHIR_JSON, ...headers }, body: JSON.stringify(benchPatient()) });
  const created = (await res.json()) as { id?: string };
  if (res.status !== 201 || !created.id) throw new Error(`seeding a Patient failed with ${res.status}`);
  return { path: `/fhir/Patient/${created.id}`, headers: { ...headers, Accept: 'application/fhir+json' } };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function medianResult(name: string, rounds: LoadResult[]): LoadResult {
  const pick = (f: (r: LoadResult) => number) => median(rounds.map(f));
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((total, r) => total + f(r), 0);
  return { name, rps: pick((r) => r.rps), p50: pick((r) => r.p50), p99: pick((r) => r.p99), total: sum((r) => r.total), errors: sum((r) => r.errors), non2xx: sum((r) => r.non2xx) };
}

export async function compareAudit(variants: AuditVariant[], adminSecret: string, run: { rounds: number; duration: number; connections: number }): Promise<AuditComparison> {
  const targets = [];
  for (const v of variants) targets.push(await readTarget(v.server, adminSecret));
  const warm = { duration: Math.min(2, run.duration), connections: run.connections };
  for (const [i, v] of variants.entries()) await load(v.name, v.server.url, targets[i] as { path: string }, warm);
  const results: LoadResult[][] = variants.map(() => []);
  for (let round = 1; round <= run.rounds; round++) {
    for (const [i, v] of variants.entries()) {
      const r = await load(v.name, v.server.url, targets[i] as { path: string }, run);
      process.stderr.write(`round ${round} ${v.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`);
      results[i]?.push(r);
    }
  }
  const medians = variants.map((v, i) => medianResult(`${v.name}, median of ${run.rounds}`, results[i] ?? []));
  const reference = medians[0]?.rps ?? 0;
  return {
    medians,
    rounds: results.map((list) => list.map((r) => Math.round(r.rps))),
    overheadPercent: medians.slice(1).map((m) => (reference > 0 ? Math.round((1 - m.rps / reference) * 1000) / 10 : 0)),
  };
}
