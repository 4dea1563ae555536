import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** The repository root, from both bench/lib (ts) and dist/bench/lib (js). */
export function repoRoot(): string {
  let dir = __dirname;
  // tsconfig.json, not package.json: the build copies package.json into dist/
  while (!existsSync(path.join(dir, 'tsconfig.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('tsconfig.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
}

/** A free loopback port (closed again before use: a tiny race, harmless here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Captured stdout + stderr (for failure messages). */
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** Script to run with node, relative to the repo root. */
  script: string;
  args?: string[];
  env?: Record<string, string>;
  /** Path answering 200 once the server is ready. */
  readyPath?: string;
  timeoutMs?: number;
}

/** Spawns a node server on a loopback port (passed as PORT and --port) and waits until it answers. */
export async function spawnServer(options: SpawnOptions): Promise<RunningServer> {
  const root = repoRoot();
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, options.script), ...(options.args ?? []), '--port', String(port)], {
    cwd: root,
    env: { ...process.env, MONGODB_URI: '', HOST: '127.0.0.1', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${options.script} exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
    try {
      const res = await fetch(url + (options.readyPath ?? '/healthz'));
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.script} did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    exited,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The built Telefhir server (dist/src/main.js): AUTH=off, embedded store in `dataDir`, loopback only. */
export function spawnTelefhir(dataDir: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const script = path.join('dist', 'src', 'main.js');
  if (!existsSync(path.join(repoRoot(), script))) throw new Error('dist/src/main.js is missing: run `npm run build` first');
  return spawnServer({ script, env: { AUTH: 'off', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env } });
}
