import { freePort, spawnServer, type RunningServer } from './server';

/** What ./loop-probe-server.ts measured inside the server since the last reset. */
export interface ProbeReading {
  /** Longest event-loop delay seen by monitorEventLoopDelay (10 ms resolution). */
  stallMaxMs: number;
  stallP99Ms: number;
  stallMeanMs: number;
  rssBeforeMb: number;
  /** Highest RSS during the case minus the baseline. */
  rssPeakGrowthMb: number;
  /** RSS once the request is over minus the baseline (what was kept). */
  rssRetainedMb: number;
  gcForced: boolean;
}

export interface ProbedServer {
  /** The server's origin, e.g. http://127.0.0.1:PORT (the FHIR base is `${url}/fhir`). */
  url: string;
  server: RunningServer;
  reset(timeoutMs?: number): Promise<void>;
  /** Undefined when the server could not answer within `timeoutMs` (still stalled, or gone). */
  read(timeoutMs?: number): Promise<ProbeReading | undefined>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL if the process is still busy after `graceMs` (a stalled loop never sees SIGTERM). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The built Telefhir server with the event-loop probe (dist/bench/lib/loop-probe-server.js):
 * AUTH=off, embedded store in `dataDir`, both ports on loopback. `--expose-gc` lets the probe
 * collect garbage before each baseline so that one case's leftovers do not count for the next.
 */
export async function spawnProbedTelefhir(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ProbedServer> {
  const probePort = await freePort();
  const probe = `http://127.0.0.1:${probePort}`;
  const nodeOptions = [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' ');
  const server = await spawnServer({
    script: 'dist/bench/lib/loop-probe-server.js',
    args: ['--probe-port', String(probePort)],
    env: { AUTH: 'off', DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_OPTIONS: nodeOptions, ...env },
  });
  const alive = () => server.child.exitCode === null && server.child.signalCode === null;
  return {
    url: server.url,
    server,
    alive,
    reset: async (timeoutMs = 30_000) => {
      const res = await fetch(`${probe}/reset`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`probe reset answered ${res.status}`);
    },
    read: async (timeoutMs = 10_000) => {
      if (!alive()) return undefined;
      try {
        const res = await fetch(`${probe}/read`, { signal: AbortSignal.timeout(timeoutMs) });
        return res.ok ? ((await res.json()) as ProbeReading) : undefined;
      } catch {
        return undefined;
      }
    },
    stop: async (graceMs = 5_000) => {
      if (!alive()) return;
      const killer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
      await server.stop('SIGTERM');
      clearTimeout(killer);
    },
  };
}
