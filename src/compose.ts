import type { Express } from 'express';
import type { AuthModule } from './auth/api';
import { createAuthModule } from './auth';
import type { Config } from './config';
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

export interface ComposedServer {
  app: Express;
  store: DocumentStore;
  auth?: AuthModule;
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
    const auth = config.auth ? await createAuthModule({ store, baseUrl: config.baseUrl, logger, adminClientSecret: env.ADMIN_CLIENT_SECRET }) : undefined;
    // BINARY_MAX_BYTES accepts sizes like `100mb` (parsed by config); the telehealth parser wants plain bytes
    const telehealthEnv = { ...env };
    delete telehealthEnv.BINARY_MAX_BYTES;
    const telehealth = telehealthModule({ ...telehealthConfigFromEnv(telehealthEnv), binaryMaxBytes: config.binaryMaxBytes });
    const app = createApp({
      store,
      settings,
      auth,
      operations: [patientEverything, observationLastn, validateOperation, ...telehealth.operations],
      beforeWrite: telehealth.beforeWrite,
      afterWrite: telehealth.afterWrite,
      rawRoutes: telehealth.binaryRoutes,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxBodyDrainBytes: config.maxBodyDrainBytes,
    });
    const started = Date.now();
    const validator = warmUpSchemaValidator(config.validatorCacheDir === undefined ? {} : { cacheDir: config.validatorCacheDir });
    if (validator?.rejected) logger.warn({ rejected: validator.rejected }, 'cached schema validator discarded and rebuilt');
    logger.info({ origin: validator?.origin, ms: Date.now() - started }, 'schema validator ready');
    warmUpProfileValidator();
    // collections before indexes and traffic: MongoDB transactions must never create them
    await ensureFhirCollections(store);
    await ensureStartupSearchIndexes(store);
    logger.info({ ms: Date.now() - started }, 'validators and search indexes ready');
    return { app, store, ...(auth ? { auth } : {}) };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
