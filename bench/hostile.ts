/**
 * Hostile-request benchmark of the BUILT server: for each request a client can send cheaply but the
 * server may find expensive (thousands of validation errors, huge batch output, a 15 MB string,
 * deep nesting, malformed conditional headers, an oversized body, includes past the cap), a fresh
 * server (bench/lib/loop-probe-server.ts: composeServer, embedded store, AUTH=off, loopback only)
 * is measured from inside (longest event-loop stall, RSS growth) and from outside (/healthz
 * latency polled every ~10-20 ms, status and wall time of the hostile request).
 * Targets: no stall over 200 ms, no RSS growth over 100 MB per request. Writes bench/results/hostile.md.
 *
 *   npm run bench:hostile                          # 5 rounds, 1 000 seeded Patients, 120 s client timeout
 *   npm run bench:hostile -- --quick               # 3 rounds, 200 Patients, 20 s timeout (a few minutes)
 *   npm run bench:hostile -- --only include,deep --rounds 2 --seed-patients 500 --label "after fixes"
 *
 * Other flags: --batch-entries N (2000), --observations N (1500), --depth N (3000), --timeout S.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { HOSTILE_CASES } from './lib/hostile-cases';
import { hostileTable, RSS_TARGET_MB, STALL_TARGET_MS } from './lib/hostile-report';
import { runCase, ServerPool, type CaseResult, type RunOptions } from './lib/hostile-run';
import { repoRoot } from './lib/server';

const args = process.argv.slice(2);

function flag(name: string): string | undefined {
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function count(name: string, fallback: number, max: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be an integer in [1, ${max}]`);
  return value;
}

function options(): { run: RunOptions; quick: boolean; only?: string[]; label?: string } {
  const quick = args.includes('--quick');
  const run: RunOptions = {
    rounds: count('rounds', quick ? 3 : 5, 50),
    timeoutMs: count('timeout', quick ? 20 : 120, 600) * 1000,
    seedPatients: count('seed-patients', quick ? 200 : 1000, 100_000),
    batchEntries: count('batch-entries', 2000, 100_000),
    observations: count('observations', 1500, 100_000),
    depth: count('depth', 3000, 1_000_000),
  };
  const only = flag('only')
    ?.split(',')
    .map((s) => s.trim());
  const unknown = only?.filter((key) => !HOSTILE_CASES.some((c) => c.key === key));
  if (unknown?.length)
    throw new Error(
      `--only: unknown case(s) ${unknown.join(', ')}; known: ${HOSTILE_CASES.map((c) => c.key).join(', ')}`,
    );
  return {
    run,
    quick,
    ...(only ? { only } : {}),
    ...(flag('label') ? { label: flag('label') as string } : {}),
  };
}

/** The build under test: commit, and whether the working tree had uncommitted changes. */
function buildId(): string {
  try {
    const git = (...a: string[]) =>
      execFileSync('git', a, {
        cwd: repoRoot(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    return (
      git('rev-parse', '--short', 'HEAD') +
      (git('status', '--porcelain', '--untracked-files=no') ? ' + uncommitted changes' : '')
    );
  } catch {
    return 'unknown commit';
  }
}

const quoted = (arg: string) => (/^[\w,.=-]+$/.test(arg) ? arg : `"${arg}"`);

async function main(): Promise<void> {
  const { run, quick, only, label } = options();
  const cases = HOSTILE_CASES.filter((c) => !only || only.includes(c.key));
  const loadBefore = loadavg()[0] ?? 0;
  const started = Date.now();
  const results: CaseResult[] = [];
  const pool = new ServerPool();
  try {
    for (const hostile of cases) {
      process.stderr.write(`${hostile.key}: ${hostile.title}\n`);
      results.push(await runCase(hostile, run, pool, (line) => process.stderr.write(line + '\n')));
    }
  } finally {
    await pool.closeAll();
  }
  const loadAfter = loadavg()[0] ?? 0;
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const header =
    `# Hostile-request benchmark${label ? ` — ${label}` : ''}\n\n` +
    `${new Date().toISOString().slice(0, 10)} · build ${buildId()} · ${quick ? 'quick run' : 'full run'} (${minutes} min) · ` +
    `${run.rounds} rounds per case, servers replaced whenever a case leaves one dead or busy, client timeout ${run.timeoutMs / 1000} s · Node ${process.version} · ` +
    `${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}) · load average ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end · ` +
    'embedded store · AUTH=off · loopback.\n\n' +
    `Targets: no event-loop stall over ${STALL_TARGET_MS} ms, no RSS growth over ${RSS_TARGET_MB} MB per request. ` +
    'Figures are `median / max` over the rounds. *Loop stall*: longest event-loop delay inside the server ' +
    '(perf_hooks monitorEventLoopDelay, 10 ms resolution); `≥` marks a round the server had not finished when the client ' +
    'gave up (lower bound from /healthz). */healthz*: latency of liveness polls sent every ~10-20 ms by the bench while the ' +
    'hostile request ran. *RSS peak growth*: highest RSS during the request minus RSS before it (after a forced GC); ' +
    '*kept*: RSS after minus before. Reproduce: `npm run bench:hostile -- ' +
    args.map(quoted).join(' ') +
    '`.\n\n';
  const markdown = header + hostileTable(results, run) + '\n';
  process.stdout.write('\n' + markdown);
  const outDir = path.join(repoRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'hostile.md'), markdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:hostile failed: ${(error as Error).message}\n`);
  process.exit(1);
});
