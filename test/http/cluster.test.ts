import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer, type RunningServer } from '../../bench/lib/server';
import { superviseWorkers, type WorkerHandle } from '../../src/cluster';
import { ConfigError, loadConfig } from '../../src/config';
import { ensureBuilt } from '../helpers/built';

/** WORKERS=N (node:cluster): refused on the embedded store, supervised on MongoDB. */
jest.setTimeout(180_000);

class WorkerDouble implements WorkerHandle {
  private exitListener: ((code: number | null, signal: string | null) => void) | undefined;
  readonly signals: string[] = [];
  constructor(readonly id: number) {}
  on(_event: 'exit', listener: (code: number | null, signal: string | null) => void) {
    this.exitListener = listener;
    return this;
  }
  kill(signal: string) {
    this.signals.push(signal);
  }
  die(code: number | null, signal: string | null = null) {
    this.exitListener?.(code, signal);
  }
}

function supervisorDouble(count: number) {
  const forked: WorkerDouble[] = [];
  const scheduled: { run: () => void; ms: number }[] = [];
  let clock = 0;
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const supervisor = superviseWorkers({
    count,
    fork: () => {
      const worker = new WorkerDouble(forked.length + 1);
      forked.push(worker);
      return worker;
    },
    logger: logger as never,
    schedule: (run, ms) => scheduled.push({ run, ms }),
    now: () => clock,
  });
  return { supervisor, forked, scheduled, advance: (ms: number) => (clock += ms), logger };
}

describe('the worker supervisor', () => {
  it('forks WORKERS processes and replaces one that dies after running a while at once', () => {
    const { supervisor, forked, scheduled, advance } = supervisorDouble(3);
    expect(forked).toHaveLength(3);
    advance(60_000);
    forked[1]?.die(1);
    expect(supervisor.size).toBe(2);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.ms).toBe(0);
    scheduled[0]?.run();
    expect(forked).toHaveLength(4);
    expect(supervisor.size).toBe(3);
  });

  it('backs off when workers keep dying at start: 1 s, 2 s, 4 s … at most 30 s', () => {
    const { forked, scheduled } = supervisorDouble(1);
    for (let i = 0; i < 7; i++) {
      forked[forked.length - 1]?.die(1);
      scheduled[scheduled.length - 1]?.run();
    }
    expect(scheduled.map((s) => s.ms)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('on stop, sends SIGTERM to every worker, starts no new one, and resolves when all have exited', async () => {
    const { supervisor, forked, scheduled } = supervisorDouble(2);
    let stopped = false;
    const stopping = supervisor.stop().then(() => (stopped = true));
    expect(forked.map((w) => w.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    forked[0]?.die(0);
    await Promise.resolve();
    expect(stopped).toBe(false);
    forked[1]?.die(0);
    await stopping;
    expect(stopped).toBe(true);
    expect(scheduled).toHaveLength(0);
    expect(forked).toHaveLength(2);
  });
});

describe('WORKERS on the embedded store', () => {
  it('is refused by the configuration, naming MONGODB_URI', () => {
    expect(() => loadConfig({ WORKERS: '2' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: '2' }, [])).toThrow(/WORKERS=2 needs MONGODB_URI/);
    expect(loadConfig({ WORKERS: '4', MONGODB_URI: 'mongodb://db/?replicaSet=rs0' }, []).workers).toBe(4);
    expect(() => loadConfig({ WORKERS: '0' }, [])).toThrow(/WORKERS must be an integer between 1 and 256/);
  });

  it('makes the built server exit 2 with that message before opening anything', () => {
    ensureBuilt();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-workers-'));
    try {
      const run = spawnSync(process.execPath, [path.join('dist', 'src', 'main.js')], {
        cwd: path.resolve(__dirname, '..', '..'),
        env: { ...process.env, MONGODB_URI: '', WORKERS: '2', DATA_DIR: path.join(dataDir, 'store'), AUTH: 'off' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/WORKERS=2 needs MONGODB_URI/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const uri = process.env['MONGODB_URI'];
if (!uri) console.warn('test/http/cluster: MONGODB_URI is not set, the WORKERS=2 run on MongoDB is skipped');

(uri ? describe : describe.skip)('WORKERS=2 on MongoDB', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('serves from two processes that share one store, and drains both on SIGTERM', async () => {
    ensureBuilt();
    const database = `telefhir_workers_${process.pid}`;
    const testUri = (uri ?? '').replace(/\/([^/?]*)(\?|$)/, (_m, _db, tail: string) => `/${database}${tail}`);
    server = await spawnServer({ script: path.join('dist', 'src', 'main.js'), env: { AUTH: 'off', WORKERS: '2', MONGODB_URI: testUri, LOG_LEVEL: 'warn' } });
    const created = await fetch(`${server.url}/fhir/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Worker' }] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // new connections go round-robin: every worker must see the write
    const reads = await Promise.all(Array.from({ length: 8 }, () => fetch(`${server?.url}/fhir/Patient/${id}`, { headers: { Connection: 'close' } })));
    expect(reads.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await server.stop()).toBe(0);
  });
});
