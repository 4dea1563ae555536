import cluster from 'node:cluster';
import { composeServer } from './compose';
import type { Config } from './config';
import type { Logger } from './log';

/**
 * WORKERS=N: N processes of this server on one machine, sharing the listening socket through
 * node:cluster (the primary accepts connections and hands them round-robin to the workers).
 *
 * Only on MongoDB (config.ts refuses it otherwise): the embedded store is the files of one process
 * and its lock refuses a second opener. On MongoDB every piece of state two requests of one client
 * may need to share — SMART sessions, pending authorizations, codes, refresh tokens, revocations,
 * assertion jti records, signing keys, the cookie secret, uniqueness claims — lives in the
 * database, so the workers (or several machines behind a load balancer) behave as one server.
 *
 * The primary serves nothing. It runs the start-up once (collections, indexes, signing keys,
 * secrets), so N workers never race to create them, then forks and supervises the workers.
 */

/** The part of a cluster worker the supervisor uses (a double in tests). */
export interface WorkerHandle {
  readonly id: number;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  kill(signal: string): void;
}

export interface SupervisorOptions {
  count: number;
  fork: () => WorkerHandle;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** setTimeout, replaceable in tests. */
  schedule?: (run: () => void, ms: number) => void;
  now?: () => number;
}

export interface Supervisor {
  /** Asks every worker to drain (SIGTERM); resolves when all have exited. */
  stop(signal?: string): Promise<void>;
  readonly size: number;
}

/** A worker that died within this long of its start counts towards the crash back-off. */
const EARLY_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Keeps `count` workers alive: a worker that exits while the supervisor is not stopping is
 * replaced; workers that keep dying soon after their start are replaced with a doubling delay
 * (1 s, 2 s, … 30 s), so a broken deployment does not fork in a tight loop.
 */
export function superviseWorkers(options: SupervisorOptions): Supervisor {
  const schedule = options.schedule ?? ((run, ms) => void setTimeout(run, ms));
  const now = options.now ?? Date.now;
  const live = new Map<number, WorkerHandle>();
  let stopping = false;
  let earlyDeaths = 0;
  let allExited: (() => void) | undefined;

  const start = () => {
    const worker = options.fork();
    const startedAt = now();
    live.set(worker.id, worker);
    worker.on('exit', (code, signal) => {
      live.delete(worker.id);
      if (stopping) {
        if (live.size === 0) allExited?.();
        return;
      }
      earlyDeaths = now() - startedAt < EARLY_DEATH_MS ? earlyDeaths + 1 : 0;
      const delay = earlyDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (earlyDeaths - 1));
      options.logger.warn({ worker: worker.id, code, signal, restartInMs: delay }, 'worker exited: starting a new one');
      schedule(() => {
        if (!stopping) start();
      }, delay);
    });
  };
  for (let i = 0; i < options.count; i++) start();

  return {
    get size() {
      return live.size;
    },
    stop(signal = 'SIGTERM') {
      stopping = true;
      if (live.size === 0) return Promise.resolve();
      const done = new Promise<void>((resolve) => (allExited = resolve));
      for (const worker of live.values()) worker.kill(signal);
      return done;
    },
  };
}

/** The primary of WORKERS=N: start-up work once, then the workers; SIGTERM/SIGINT drain them all. */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const { store } = await composeServer(config, logger);
  await store.close();
  const supervisor = superviseWorkers({
    count: config.workers,
    fork: () => {
      const worker = cluster.fork();
      return { id: worker.id, on: (event, listener) => worker.on(event, listener), kill: (signal) => worker.process.kill(signal as NodeJS.Signals) };
    },
    logger,
  });
  logger.info({ workers: config.workers }, 'started the workers');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining every worker');
    void supervisor.stop('SIGTERM').then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

export const isClusterPrimary = (config: Config): boolean => config.workers > 1 && cluster.isPrimary;
