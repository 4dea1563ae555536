import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHealthzPoller } from './healthz-poller';
import type { CaseOptions, HostileCase, HostileRequest } from './hostile-cases';
import { spawnProbedTelefhir, type ProbedServer } from './loop-probe';
import { benchPatient } from './payloads';

/** One hostile request against a fresh server, a few rounds, each measured from inside and outside. */

export interface RunOptions extends CaseOptions {
  rounds: number;
  /** Client timeout of one hostile request. */
  timeoutMs: number;
}

export interface RoundResult {
  /** HTTP status, or what the client saw instead: `timeout`, `EPIPE`, `ECONNRESET`, ... */
  status: string;
  wallMs: number;
  /** Longest event-loop delay inside the server; undefined when the probe could not be read. */
  stallMs?: number;
  healthzMaxMs: number;
  healthzP99Ms: number;
  polls: number;
  rssPeakGrowthMb?: number;
  rssRetainedMb?: number;
  note: string;
  /** What the answer got wrong beyond its status (from the case's inspect). */
  failure?: string;
}

export interface CaseResult {
  hostile: HostileCase;
  rounds: RoundResult[];
  /** Why rounds stopped early, or why the case could not run. */
  problem?: string;
}

const FHIR_HEADERS = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function clientError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  return e.cause?.code ?? e.cause?.name ?? e.message ?? 'error';
}

async function send(
  origin: string,
  request: HostileRequest,
  timeoutMs: number,
): Promise<{ status: string; wallMs: number; body?: Buffer }> {
  const started = performance.now();
  try {
    const res = await fetch(origin + request.path, {
      method: request.method,
      headers: FHIR_HEADERS,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: String(res.status), wallMs: performance.now() - started, body };
  } catch (error) {
    return { status: clientError(error), wallMs: performance.now() - started };
  }
}

/** A short remark on an error answer: the size and the first issue of its OperationOutcome. */
function describeAnswer(body: Buffer | undefined): string {
  if (!body || body.length === 0) return '';
  const size =
    body.length >= 1024 * 1024
      ? `${(body.length / 1024 / 1024).toFixed(1)} MB`
      : `${(body.length / 1024).toFixed(1)} KB`;
  if (body.length > 1024 * 1024) return `answer ${size}`;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      resourceType?: string;
      issue?: Array<{ diagnostics?: string; code?: string }>;
    };
    if (parsed.resourceType !== 'OperationOutcome') return `answer ${size}`;
    const first = (parsed.issue?.[0]?.diagnostics ?? parsed.issue?.[0]?.code ?? '').slice(0, 70);
    return `${parsed.issue?.length ?? 0} issue(s), ${size}: "${first}"`;
  } catch {
    return `answer ${size}`;
  }
}

async function round(
  server: ProbedServer,
  hostile: HostileCase,
  request: HostileRequest,
  timeoutMs: number,
): Promise<RoundResult> {
  await server.reset();
  const poller = await startHealthzPoller(server.url);
  await sleep(50); // a few undisturbed polls first
  const answer = await send(server.url, request, timeoutMs);
  await sleep(100); // work left after the answer (GC, cleanup) still counts
  const latencies = await poller.stop();
  const reading = await server.read();
  let note = describeAnswer(answer.body);
  let failure: string | undefined;
  if (hostile.inspect && answer.body && answer.status.startsWith('2')) {
    try {
      ({ note, failure } = hostile.inspect(answer.body));
    } catch (error) {
      note = `unreadable answer: ${(error as Error).message.slice(0, 60)}`;
    }
  }
  const exit = server.server.child.exitCode ?? server.server.child.signalCode;
  if (!server.alive()) note = [`server exited (${exit})`, note].filter(Boolean).join('; ');
  else if (!reading) note = ['server still busy after the client gave up', note].filter(Boolean).join('; ');
  return {
    status: answer.status,
    wallMs: answer.wallMs,
    ...(reading
      ? {
          stallMs: reading.stallMaxMs,
          rssPeakGrowthMb: reading.rssPeakGrowthMb,
          rssRetainedMb: reading.rssRetainedMb,
        }
      : {}),
    healthzMaxMs: latencies.length ? Math.max(...latencies) : 0,
    healthzP99Ms: percentile(latencies, 99),
    polls: latencies.length,
    note,
    ...(failure ? { failure } : {}),
  };
}

/**
 * Servers by group, reused from case to case (a start costs seconds of CPU) but replaced as soon as
 * a case leaves one dead or still busy. Each group has its own data directory, so the seeded
 * store of the include cases is not mixed with the 15 MB Patients of the other cases.
 */
export class ServerPool {
  private readonly servers = new Map<string, { server: ProbedServer; dataDir: string }>();

  async get(group: string): Promise<ProbedServer> {
    const running = this.servers.get(group);
    if (running?.server.alive()) return running.server;
    if (running) await this.discard(group);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-hostile-'));
    try {
      const server = await spawnProbedTelefhir(dataDir);
      this.servers.set(group, { server, dataDir });
      return server;
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  async discard(group: string): Promise<void> {
    const running = this.servers.get(group);
    if (!running) return;
    this.servers.delete(group);
    await running.server.stop();
    rmSync(running.dataDir, { recursive: true, force: true });
  }

  async closeAll(): Promise<void> {
    for (const group of [...this.servers.keys()]) await this.discard(group);
  }
}

/** Seeding, one warm-up write, then the rounds; a server left dead or busy is discarded. */
export async function runCase(
  hostile: HostileCase,
  options: RunOptions,
  pool: ServerPool,
  log: (line: string) => void,
): Promise<CaseResult> {
  const rounds: RoundResult[] = [];
  let server: ProbedServer | undefined;
  try {
    server = await pool.get(hostile.group);
    const request = await hostile.prepare(server.url, options);
    // JIT and lazy definitions warm up on a harmless write, as they would have in production
    const warm = await fetch(`${server.url}/fhir/Patient`, {
      method: 'POST',
      headers: FHIR_HEADERS,
      body: JSON.stringify(benchPatient()),
    });
    await warm.arrayBuffer();
    for (let i = 0; i < options.rounds; i++) {
      const r = await round(server, hostile, request, options.timeoutMs);
      rounds.push(r);
      log(
        `  round ${i + 1}: ${r.status} in ${r.wallMs.toFixed(0)} ms, stall ${r.stallMs?.toFixed(0) ?? '?'} ms, /healthz max ${r.healthzMaxMs.toFixed(0)} ms, RSS +${r.rssPeakGrowthMb?.toFixed(0) ?? '?'} MB ${r.note}`,
      );
      if (r.status === 'timeout' || r.stallMs === undefined) {
        await pool.discard(hostile.group);
        return { hostile, rounds, problem: 'stopped after a round the server could not finish' };
      }
    }
    return { hostile, rounds };
  } catch (error) {
    // the server's own output stays on the console: it may name local paths
    log(`  failed: ${(error as Error).message}\n${server?.server.output().slice(-2000) ?? ''}`);
    await pool.discard(hostile.group);
    return { hostile, rounds, problem: (error as Error).message.split('\n')[0]?.slice(0, 160) ?? 'failed' };
  }
}
