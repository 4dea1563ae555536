import cluster from 'node:cluster';
import http from 'node:http';
import { isClusterPrimary, runPrimary } from './cluster';
import { composeServer } from './compose';
import { ConfigError, loadConfig, type Config } from './config';
import { requestListener } from './http/app';
import { adminAccessNotice } from './first-start';
import { createLogger, flushLogger, type Logger } from './log';
import type { DocumentStore } from './storage/port';
import { printSeedHintIfEmpty } from './telehealth';

/**
 * The entry point: config → composed server (./compose.ts) → listen, and a graceful shutdown
 * (stop accepting, drain in-flight requests, close the store so its journal is flushed, exit 0).
 */
const DRAIN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, { buffered: true });
  if (!config.auth) warnAuthOff(logger);
  if (isClusterPrimary(config)) return runPrimary(config, logger);
  const { app, store, auth, subscriptions } = await composeServer(config, logger);
  const server = http.createServer(requestListener(app));
  subscriptions?.attach(server);
  server.keepAliveTimeout = 65_000; // longer than common load-balancer idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, host: config.host, store: store.kind, auth: config.auth }, 'listening');
  process.stdout.write(`Telefhir listening on http://${config.host}:${port} — FHIR base ${config.baseUrl} (store: ${store.kind}, auth: ${config.auth ? 'on' : 'OFF'})\n`);
  const notice = adminAccessNotice(auth?.adminBootstrap, { tokenEndpoint: auth?.tokenEndpoint ?? `${new URL(config.baseUrl).origin}/auth/token`, baseUrl: config.baseUrl });
  if (notice) process.stdout.write(notice);
  await printSeedHintIfEmpty(store, { info: (m) => logger.info(m) }, config.baseUrl).catch(() => false);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      flushLogger(logger);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    void (subscriptions?.stop() ?? Promise.resolve()).then(() => stop(server, store, logger)).then(
      () => {
        logger.info('stopped');
        flushLogger(logger);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: { type: (error as Error)?.name } }, 'shutdown failed');
        flushLogger(logger);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // a terminal's Ctrl-C reaches every process of the group: workers drain on the primary's SIGTERM only
  if (!cluster.isWorker) process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Stops accepting, lets in-flight requests finish (closing connections as they fall idle), closes the store. */
async function stop(server: http.Server, store: DocumentStore, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS).unref());
  if ((await Promise.race([closed, timeout])) === 'timeout') {
    logger.warn('drain timed out: closing remaining connections');
    server.closeAllConnections();
  }
  clearInterval(sweeper);
  await store.close();
}

function warnAuthOff(logger: Logger): void {
  const banner = [
    '************************************************************************',
    '* WARNING: AUTH=off — authorization is DISABLED.                       *',
    '* Every caller can read and write every resource. Never expose this    *',
    '* server to real patient data or to a network you do not control.      *',
    '************************************************************************',
  ].join('\n');
  process.stderr.write(`${banner}\n`);
  logger.warn('authorization is disabled (AUTH=off)');
}

main().catch((error: unknown) => {
  process.stderr.write(`Telefhir failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
