import http from 'node:http';
import type { AuthModule } from './auth/api';
import type { AuthOptions } from './auth/config';
import { ConfigError, loadConfig, type Config } from './config';
import type { FhirSettings } from './fhir/request';
import { warmUpSchemaValidator } from './fhir/validation';
import { createApp, requestListener } from './http/app';
import { createLogger, flushLogger, type Logger } from './log';
import { openStore } from './storage/open';
import type { DocumentStore } from './storage/port';
import { printSeedHintIfEmpty, telehealthConfigFromEnv, telehealthModule } from './telehealth';

/**
 * The composition root: config → store → auth → app → listen, and a graceful shutdown
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
  const store = await openConfiguredStore(config, logger);
  const settings: FhirSettings = {
    baseUrl: config.baseUrl,
    defaultPageSize: config.defaultPageSize,
    maxPageSize: config.maxPageSize,
    maxBundleEntries: config.maxBundleEntries,
    validationMode: config.validationMode,
  };
  const auth = config.auth ? await createAuth({ store, baseUrl: config.baseUrl, logger, adminClientSecret: process.env.ADMIN_CLIENT_SECRET }) : undefined;
  if (!config.auth) warnAuthOff(logger);
  // BINARY_MAX_BYTES accepts sizes like `100mb` here; the telehealth parser wants plain bytes
  const telehealthEnv = { ...process.env };
  delete telehealthEnv.BINARY_MAX_BYTES;
  const telehealth = telehealthModule({ ...telehealthConfigFromEnv(telehealthEnv), binaryMaxBytes: config.binaryMaxBytes });

  const app = createApp({
    store,
    settings,
    auth,
    operations: telehealth.operations,
    beforeWrite: telehealth.beforeWrite,
    afterWrite: telehealth.afterWrite,
    rawRoutes: telehealth.binaryRoutes,
    logger,
    maxBodyBytes: config.maxBodyBytes,
  });
  // compile the validator now (about 2 s) rather than on the first write of the first client
  const warmStart = Date.now();
  warmUpSchemaValidator();
  logger.info({ ms: Date.now() - warmStart }, 'validator ready');
  const server = http.createServer(requestListener(app));
  server.keepAliveTimeout = 65_000; // longer than common load-balancer idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, host: config.host, store: store.kind, auth: config.auth }, 'listening');
  process.stdout.write(`Telefhir listening on http://${config.host}:${port} — FHIR base ${config.baseUrl} (store: ${store.kind}, auth: ${config.auth ? 'on' : 'OFF'})\n`);
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
    void stop(server, store, logger).then(
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
  process.on('SIGINT', () => shutdown('SIGINT'));
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

type AuthFactory = (options: AuthOptions) => AuthModule | Promise<AuthModule>;

/**
 * The auth factory is loaded by name so this entry point builds while the SMART module lands;
 * once src/auth/index.ts exports it, this becomes a plain import.
 */
function optionalModule(path: string): Record<string, unknown> | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as Record<string, unknown>;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'MODULE_NOT_FOUND' && e.message?.includes(path)) return undefined;
    throw error;
  }
}

/** The embedded engine under DATA_DIR, or MongoDB when MONGODB_URI is set (a replica set is required). */
function openConfiguredStore(config: Config, logger: Logger): Promise<DocumentStore> {
  return openStore({ dataDir: config.dataDir, logger, ...(config.mongodbUri ? { mongodbUri: config.mongodbUri } : {}) });
}

async function createAuth(options: AuthOptions): Promise<AuthModule> {
  const mod = optionalModule('./auth');
  const factory = (mod?.createAuthModule ?? mod?.createAuth) as AuthFactory | undefined;
  if (!factory) throw new Error('AUTH=on but this build has no SMART authorization module; set AUTH=off to run without authorization');
  return factory(options);
}

main().catch((error: unknown) => {
  process.stderr.write(`Telefhir failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
