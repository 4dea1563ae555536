import type { Express } from 'express';
import { AUDIT_TYPE, createAuditModule } from './audit';
import type { AuthModule } from './auth/api';
import { createAuthModule } from './auth';
import { bulkModule } from './bulk';
import type { Config } from './config';
import { createConsole } from './console';
import { patientEverything } from './fhir/operations/everything';
import { observationLastn } from './fhir/operations/lastn';
import { validateOperation } from './fhir/operations/validate';
import type { FhirSettings } from './fhir/request';
import { ensureFhirCollections } from './fhir/repository/claims';
import { ensureStartupSearchIndexes } from './fhir/search/api';
import { warmUpSchemaValidator } from './fhir/validation';
import { warmUpProfileValidator } from './fhir/validation/profile';
import { createApp } from './http/app';
import type { Logger } from './log';
import { openStore } from './storage/open';
import type { DocumentStore } from './storage/port';
import { telehealthConfigFromEnv, telehealthModule } from './telehealth';
import { settingsFromConfig, subscriptionsModule, type SubscriptionsModule } from './subscriptions';

export interface ComposedServer {
  app: Express;
  store: DocumentStore;
  auth?: AuthModule;
  /** Subscriptions: attach its websocket to the listening server, stop it before closing the store. */
  subscriptions?: SubscriptionsModule;
}

/**
 * Everything the server is made of, wired once: the store (embedded, or MongoDB when MONGODB_URI
 * is set), the SMART authorization server (unless AUTH=off), the generic FHIR operations, the
 * telehealth workflows, and the HTTP app. Warm-up work (validators, search indexes) happens here
 * so the first client does not pay for it.
 */
export async function composeServer(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<ComposedServer> {
  const store = await openStore({
    dataDir: config.dataDir,
    logger,
    ...(config.mongodbUri ? { mongodbUri: config.mongodbUri } : {}),
    serverSelectionTimeoutMs: config.mongodbServerSelectionTimeoutMs,
    timeoutMs: config.mongodbTimeoutMs,
  });
  try {
    const settings: FhirSettings = {
      baseUrl: config.baseUrl,
      defaultPageSize: config.defaultPageSize,
      maxPageSize: config.maxPageSize,
      maxBundleEntries: config.maxBundleEntries,
      validationMode: config.validationMode,
      validationMaxIssues: config.validationMaxIssues,
      bundleMaxOutputResources: config.bundleMaxOutputResources,
      searchMaxIncluded: config.searchMaxIncluded,
      bodyLimits: { maxDepth: config.maxJsonDepth, maxStringLength: config.maxStringLength, maxElements: config.maxBodyElements },
    };
    // the audit trail (AUDIT=on): AuditEvent records of every interaction, read-only through the API
    const audit = config.audit
      ? createAuditModule({
          store,
          baseUrl: config.baseUrl,
          retentionDays: config.auditRetentionDays,
          patientAccess: config.auditPatientAccess,
          durability: config.auditDurability,
          onError: (error) => logger.error({ err: { type: (error as Error)?.name } }, 'audit trail failure'),
        })
      : undefined;
    // the API never writes the trail, whether or not it is being recorded
    settings.readOnlyTypes = [AUDIT_TYPE];
    const auth = config.auth ? await createAuthModule({ store, baseUrl: config.baseUrl, logger, adminClientSecret: env.ADMIN_CLIENT_SECRET }) : undefined;
    // BINARY_MAX_BYTES accepts sizes like `100mb` (parsed by config); the telehealth parser wants plain bytes
    const telehealthEnv = { ...env };
    delete telehealthEnv.BINARY_MAX_BYTES;
    const telehealth = telehealthModule({ ...telehealthConfigFromEnv(telehealthEnv), binaryMaxBytes: config.binaryMaxBytes });
    // Bulk Data $export: kick-off operations, status/download routes, a leased job worker
    const bulk = bulkModule(
      { fileMaxResources: config.bulkFileMaxResources, expirySeconds: config.bulkExpirySeconds, maxJobsPerClient: config.bulkMaxJobsPerClient, leaseSeconds: config.bulkLeaseSeconds },
      { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
    );
    settings.instantiates = bulk.instantiates;
    // Subscriptions (src/subscriptions): its hooks run after the telehealth ones, inside each write's transaction
    const subscriptions = subscriptionsModule(store, config.baseUrl, settingsFromConfig(config), { warn: (message) => logger.warn(message) });
    settings.restExtensions = subscriptions.restExtensions;
    const operations = [patientEverything, observationLastn, validateOperation, ...telehealth.operations, ...subscriptions.operations, ...bulk.operations];
    const beforeWrite = [...telehealth.beforeWrite, ...subscriptions.beforeWrite];
    const afterWrite = [...telehealth.afterWrite, ...subscriptions.afterWrite];
    const app = createApp({
      store,
      settings,
      auth,
      operations,
      beforeWrite,
      afterWrite,
      rawRoutes: [...telehealth.binaryRoutes, ...bulk.rawRoutes],
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxBodyDrainBytes: config.maxBodyDrainBytes,
      ...audit?.appDeps,
      pages: await createConsole({ baseUrl: config.baseUrl, ...(auth ? { auth } : {}) }),
    });
    const started = Date.now();
    const validator = warmUpSchemaValidator(config.validatorCacheDir === undefined ? {} : { cacheDir: config.validatorCacheDir });
    if (validator?.rejected) logger.warn({ rejected: validator.rejected }, 'cached schema validator discarded and rebuilt');
    logger.info({ origin: validator?.origin, ms: Date.now() - started }, 'schema validator ready');
    warmUpProfileValidator();
    // collections before indexes and traffic: MongoDB transactions must never create them
    await ensureFhirCollections(store);
    await ensureStartupSearchIndexes(store);
    await subscriptions.start({ store, settings, operations, beforeWrite, afterWrite });
    logger.info({ ms: Date.now() - started }, 'validators and search indexes ready');
    bulk.start(store, settings);
    // background work stops before the store closes (the export worker giving its lease back):
    // a closed store must not be polled, e.g. by the WORKERS primary after its start-up work
    const closeStore = store.close.bind(store);
    store.close = async () => {
      await subscriptions.stop();
      audit?.stop();
      auth?.stop?.();
      await bulk.stop();
      await closeStore();
    };
    return { app, store, subscriptions, ...(auth ? { auth } : {}) };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
