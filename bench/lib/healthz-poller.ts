/**
 * Polls GET /healthz one request at a time, with a short pause between polls, and records each
 * latency, as an orchestrator's liveness check or any other client would see the server while a
 * hostile request runs. It runs in a worker thread so that the bench's own work (building and
 * sending a 15 MB body, receiving a huge response) cannot delay the polls and be blamed on the server.
 */
import http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

interface PollerData {
  role: 'healthz-poller';
  url: string;
  pauseMs: number;
}

export interface HealthzPoller {
  /** Stops polling; a poll still waiting counts with the time it has waited so far (a lower bound). */
  stop(): Promise<number[]>;
}

/** Starts polling `${origin}/healthz` every ~`pauseMs` ms (plus the poll's own latency). */
export function startHealthzPoller(origin: string, pauseMs = 10): HealthzPoller {
  const data: PollerData = { role: 'healthz-poller', url: `${origin}/healthz`, pauseMs };
  const worker = new Worker(__filename, { workerData: data });
  const done = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (latencies: number[]) => resolve(latencies));
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const latencies = await done;
      await worker.terminate();
      return latencies;
    },
  };
}

function runPoller(data: PollerData, port: NonNullable<typeof parentPort>): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let stopped = false;
  let inFlightSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;

  const poll = () => {
    if (stopped) return;
    const started = performance.now();
    inFlightSince = started;
    const next = () => {
      inFlightSince = undefined;
      if (!stopped) timer = setTimeout(poll, data.pauseMs);
    };
    const req = http.get(data.url, { agent }, (res) => {
      res.resume();
      res.once('end', () => {
        latencies.push(performance.now() - started);
        next();
      });
    });
    // a refused or reset connection (server gone) still ends this poll; its time is not a latency
    req.once('error', next);
  };

  port.on('message', () => {
    stopped = true;
    clearTimeout(timer);
    if (inFlightSince !== undefined) latencies.push(performance.now() - inFlightSince);
    agent.destroy();
    port.postMessage(latencies);
  });
  poll();
}

const data = workerData as PollerData | undefined;
if (!isMainThread && data?.role === 'healthz-poller' && parentPort) runPoller(data, parentPort);
