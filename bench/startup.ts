/**
 * Start-up benchmark of the BUILT server on an empty embedded store: time from spawning
 * `node dist/src/main.js` to its "listening" line, and to the answer of the first validated create
 * (POST Observation → 201). Two variants in interleaved rounds (A/B/A/B…), medians reported:
 * the compiled schema validator loaded from its disk cache (the default), and compiled at start
 * (VALIDATOR_CACHE_DIR=off, what every start cost before the cache).
 *
 *   npm run bench:startup                 # 5 rounds
 *   npm run bench:startup -- --rounds 3
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { median } from './lib/median';
import { numberOption } from './lib/options';
import { benchObservation } from './lib/payloads';
import { freePort, repoRoot } from './lib/server';

interface StartTimes {
  listeningMs: number;
  firstCreateMs: number;
  /** CPU time (user + system) the server used until listening: what an idle host's wall time would be, near enough. */
  listeningCpuMs: number;
}

/** CPU time of a process so far, from /proc (Linux); NaN elsewhere. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function startOnce(env: Record<string, string>): Promise<StartTimes> {
  const root = repoRoot();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: { ...process.env, MONGODB_URI: '', AUTH: 'off', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    let listeningCpuMs = Number.NaN;
    const listeningMs = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (!output.includes('listening on') || !Number.isNaN(listeningCpuMs)) return;
        listeningCpuMs = cpuMsOf(child.pid);
        resolve(performance.now() - started);
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/fhir/Observation`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(benchObservation('startup')),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`first create answered ${res.status}`);
    return { listeningMs, firstCreateMs: performance.now() - started, listeningCpuMs };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rounds = numberOption('rounds', 5, 50);
  const loadBefore = loadavg()[0] ?? 0;
  const variants = [
    { name: 'validator from its disk cache (default)', env: {} as Record<string, string> },
    { name: 'validator compiled at start (`VALIDATOR_CACHE_DIR=off`)', env: { VALIDATOR_CACHE_DIR: 'off' } },
  ];
  const times = variants.map(() => [] as StartTimes[]);
  await startOnce({}); // fills the cache if the build did not
  for (let round = 0; round < rounds; round++) {
    for (const [i, variant] of variants.entries()) {
      const t = await startOnce(variant.env);
      process.stderr.write(
        `round ${round + 1}, ${variant.name}: listening ${t.listeningMs.toFixed(0)} ms (CPU ${t.listeningCpuMs.toFixed(0)} ms), first create ${t.firstCreateMs.toFixed(0)} ms\n`,
      );
      times[i]?.push(t);
    }
  }
  const lines = [
    '| Variant | listening, median (ms) | server CPU until listening, median (ms) | first validated create, median (ms) | rounds |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [i, variant] of variants.entries()) {
    const t = times[i] ?? [];
    const ms = (f: (x: StartTimes) => number) => median(t.map(f)).toFixed(0);
    lines.push(`| ${variant.name} | ${ms((x) => x.listeningMs)} | ${ms((x) => x.listeningCpuMs)} | ${ms((x) => x.firstCreateMs)} | ${t.length} |`);
  }
  const markdown =
    `# Start-up benchmark\n\n${new Date().toISOString().slice(0, 10)} · ${rounds} interleaved rounds · Node ${process.version} · ` +
    `${cpus().length} CPU(s) · load average ${loadBefore.toFixed(1)} at start · empty embedded store · AUTH=off.\n\n${lines.join('\n')}\n`;
  process.stdout.write('\n' + markdown);
  const outDir = path.join(repoRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'startup.md'), markdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:startup failed: ${(error as Error).message}\n`);
  process.exit(1);
});
