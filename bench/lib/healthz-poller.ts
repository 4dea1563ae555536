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

/**
 * Starts polling `${origin}/healthz` every ~`pauseMs` ms (plus the poll's own latency); resolves once
 * the first poll has been answered, because starting a worker thread takes a while on a busy machine.
 */
export async function startHealthzPoller(origin: string, pauseMs = 10): Promise<HealthzPoller> {
  const data: PollerData = { role: 'healthz-poller', url: `${origin}/healthz`, pauseMs };
  const worker = new Worker(__filename, { workerData: data });
  const messages: unknown[] = [];
  const waiters: Array<(message: unknown) => void> = [];
  let failure: Error | undefined;
  worker.on('message', (message: unknown) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  worker.once('error', (error) => {
    failure = error;
    for (const waiter of waiters.splice(0)) waiter(undefined);
  });
  const next = () =>
    new Promise<unknown>((resolve) => {
      if (failure) resolve(undefined);
      else if (messages.length > 0) resolve(messages.shift());
      else waiters.push(resolve);
    });
  if ((await next()) !== 'ready')
    throw new Error(`the /healthz poller did not start: ${failure?.message ?? 'no answer'}`);
  return {
    stop: async () => {
      worker.postMessage('stop');
      const answer = await next();
      await worker.terminate();
      if (!Array.isArray(answer))
        throw new Error(`the /healthz poller failed: ${failure?.message ?? 'no answer'}`);
      return answer as number[];
    },
  };
}

function runPoller(data: PollerData, port: NonNullable<typeof parentPort>): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let stopped = false;
  // the first poll opens the connection and only tells the bench that polling has started
  let ready = false;
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
        if (ready) latencies.push(performance.now() - started);
        else port.postMessage('ready');
        ready = true;
        next();
      });
    });
    // a refused or reset connection (server gone) still ends this poll; its time is not a latency
    req.once('error', next);
  };

  port.on('message', () => {
    stopped = true;
    clearTimeout(timer);
    if (ready && inFlightSince !== undefined) latencies.push(performance.now() - inFlightSince);
    agent.destroy();
    port.postMessage(latencies);
  });
  poll();
}

const data = workerData as PollerData | undefined;
if (!isMainThread && data?.role === 'healthz-poller' && parentPort) runPoller(data, parentPort);
