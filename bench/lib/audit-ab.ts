import { load, type LoadResult } from './load';
import { benchPatient } from './payloads';
import type { RunningServer } from './server';

/**
 * The cost of the audit trail on reads: GET Patient/[id] with a Bearer token on two servers started
 * side by side, AUTH=on with AUDIT=off (A) and AUTH=on with AUDIT=on (B). Rounds are interleaved
 * (A, B, A, B, …) so that a change of machine load hits both alike; the medians are reported.
 */
const FHIR_JSON = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

export interface AuditComparison {
  without: LoadResult;
  with: LoadResult;
  /** req/s of every round, A then B. */
  rounds: Array<[number, number]>;
  /** 1 − median(B)/median(A), in percent. */
  overheadPercent: number;
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

export async function compareAudit(
  a: RunningServer,
  b: RunningServer,
  adminSecret: string,
  run: { rounds: number; duration: number; connections: number },
): Promise<AuditComparison> {
  const targets = [await readTarget(a, adminSecret), await readTarget(b, adminSecret)] as const;
  const servers = [a, b] as const;
  const names = ['read Patient, AUTH=on, AUDIT=off (A)', 'read Patient, AUTH=on, AUDIT=on (B)'] as const;
  const warm = { duration: Math.min(2, run.duration), connections: run.connections };
  for (const i of [0, 1] as const) await load(names[i], servers[i].url, targets[i], warm);
  const results: [LoadResult[], LoadResult[]] = [[], []];
  for (let round = 1; round <= run.rounds; round++) {
    for (const i of [0, 1] as const) {
      const r = await load(names[i], servers[i].url, targets[i], run);
      process.stderr.write(`round ${round} ${names[i]}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`);
      results[i].push(r);
    }
  }
  const without = medianResult(`${names[0]}, median of ${run.rounds}`, results[0]);
  const withAudit = medianResult(`${names[1]}, median of ${run.rounds}`, results[1]);
  return {
    without,
    with: withAudit,
    rounds: results[0].map((r, i) => [Math.round(r.rps), Math.round(results[1][i]?.rps ?? 0)]),
    overheadPercent: without.rps > 0 ? Math.round((1 - withAudit.rps / without.rps) * 1000) / 10 : 0,
  };
}
