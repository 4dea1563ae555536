/**
 * Bench-only entry: the real Telefhir server, composed exactly as src/main.ts does (composeServer +
 * requestListener), plus an event-loop probe on a SECOND loopback port so bench/hostile.ts can
 * measure, from inside the server process, how long the event loop stalled and how much RSS grew
 * while one hostile request ran.
 *
 *   node dist/bench/lib/loop-probe-server.js --port N --probe-port M     (AUTH, DATA_DIR, ... from env)
 *
 * Probe endpoints (loopback only, never part of the product):
 *   POST /reset  collect garbage when --expose-gc is on, clear the delay histogram, take the RSS baseline
 *   GET  /read   the figures since the last reset, as JSON (see ProbeReading in ./loop-probe.ts)
 * The probe answers on the server's own event loop: while the loop is stalled it cannot answer,
 * which is why the bench only reads it after the hostile request has finished.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { composeServer } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { requestListener } from '../../src/http/app';
import { createLogger } from '../../src/log';

const LOOPBACK = '127.0.0.1';
const MB = 1024 * 1024;
// 10 ms: fine enough to see a 200 ms stall, coarse enough to cost nothing measurable
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** RSS is sampled on a timer; a stall stops the timer too, so the kernel's high-water mark (maxRSS) backs it up. */
let rssBefore = 0;
let rssPeak = 0;
let maxRssBeforeKb = 0;
setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 10).unref();

function takeBaseline(): void {
  delay.reset();
  rssBefore = process.memoryUsage.rss();
  rssPeak = rssBefore;
  maxRssBeforeKb = process.resourceUsage().maxRSS;
}

/**
 * The forced GC itself blocks the loop, and the histogram's next timer tick would record that
 * block AFTER a plain reset; so the baseline is taken again once a few ticks have passed.
 */
async function reset(): Promise<void> {
  collectGarbage?.();
  takeBaseline();
  await new Promise((resolve) => setTimeout(resolve, 50));
  takeBaseline();
}

function read(): Record<string, number | boolean> {
  const rssAfter = process.memoryUsage.rss();
  const maxRssKb = process.resourceUsage().maxRSS;
  // a new lifetime high-water mark during the case is the true peak (the timer may have missed it)
  const peak = Math.max(rssPeak, rssAfter, maxRssKb > maxRssBeforeKb ? maxRssKb * 1024 : 0);
  return {
    stallMaxMs: delay.max / 1e6,
    stallP99Ms: delay.percentile(99) / 1e6,
    stallMeanMs: Number.isNaN(delay.mean) ? 0 : delay.mean / 1e6,
    rssBeforeMb: rssBefore / MB,
    rssPeakGrowthMb: (peak - rssBefore) / MB,
    rssRetainedMb: (rssAfter - rssBefore) / MB,
    gcForced: collectGarbage !== undefined,
  };
}

async function probeListener(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let body: Record<string, unknown>;
  if (req.method === 'POST' && req.url === '/reset') {
    await reset();
    body = { ok: true };
  } else if (req.method === 'GET' && req.url === '/read') {
    body = read();
  } else {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function probePort(): number {
  const i = process.argv.indexOf('--probe-port');
  const port = Number(i >= 0 ? process.argv[i + 1] : NaN);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error('--probe-port N is required');
  return port;
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
}

async function main(): Promise<void> {
  // the bench's flags (--probe-port) become unknown settings that loadConfig ignores
  const config = { ...loadConfig(), host: LOOPBACK };
  const probe = http.createServer((req, res) => void probeListener(req, res));
  await listen(probe, probePort());
  const logger = createLogger(config.logLevel);
  const { app, store } = await composeServer(config, logger);
  const server = http.createServer(requestListener(app));
  await listen(server, config.port);
  await reset();
  process.on('SIGTERM', () => {
    probe.close();
    server.closeAllConnections();
    server.close(() => void store.close().finally(() => process.exit(0)));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`loop-probe-server failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
