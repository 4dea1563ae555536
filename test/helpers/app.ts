import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { AuthModule } from '../../src/auth/api';
import type { AfterWriteHook, BeforeWriteHook, FhirSettings, OperationDefinitionRef } from '../../src/fhir/request';
import { createApp } from '../../src/http/app';
import type { RawRoute } from '../../src/http/raw-routes';
import type { Logger } from '../../src/log';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import type { DocumentStore } from '../../src/storage/port';

export const TEST_BASE_URL = 'http://localhost:8080/fhir';

export interface TestAppOptions {
  /** An AuthModule, or a factory given the fresh store and the settings (AUTH=on); absent → AUTH=off. */
  auth?: AuthModule | ((store: DocumentStore, settings: FhirSettings) => AuthModule | Promise<AuthModule>);
  settings?: Partial<FhirSettings>;
  operations?: OperationDefinitionRef[];
  beforeWrite?: BeforeWriteHook[];
  afterWrite?: AfterWriteHook[];
  /** Raw (non-JSON body) routes, e.g. the telehealth Binary routes. */
  rawRoutes?: RawRoute[];
  /** Alias of rawRoutes, so a TelehealthModule can be spread into the options. */
  binaryRoutes?: RawRoute[];
  maxBodyBytes?: number;
  maxBodyDrainBytes?: number;
  logger?: Logger;
  /** Wraps the fresh store before the app sees it (e.g. a recording store for the index-plan test). */
  wrapStore?: (store: DocumentStore) => DocumentStore;
  /** Opens another store than a fresh embedded one in `dataDir` (e.g. MongoDB for the contract runs). */
  openStore?: (dataDir: string) => Promise<DocumentStore>;
}

export interface TestApp {
  /** The Express app: hand it to supertest (`request(app)`). */
  app: Express;
  store: DocumentStore;
  settings: FhirSettings;
  /** Closes the store and removes its temporary directory. */
  close(): Promise<void>;
}

/** The settings a test server runs with (main.ts defaults, test base URL), overridable. */
export function testSettings(over: Partial<FhirSettings> = {}): FhirSettings {
  return { baseUrl: TEST_BASE_URL, defaultPageSize: 20, maxPageSize: 1000, maxBundleEntries: 10000, validationMode: 'reject', ...over };
}

/** The whole HTTP application on a fresh embedded store in a temporary directory. */
export async function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-test-'));
  const opened = options.openStore ? await options.openStore(dataDir) : await openEmbeddedStore({ dataDir });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const settings = testSettings(options.settings);
  const auth = typeof options.auth === 'function' ? await options.auth(store, settings) : options.auth;
  const app = createApp({
    store,
    settings,
    auth,
    operations: options.operations,
    beforeWrite: options.beforeWrite,
    afterWrite: options.afterWrite,
    rawRoutes: [...(options.rawRoutes ?? []), ...(options.binaryRoutes ?? [])],
    maxBodyBytes: options.maxBodyBytes,
    maxBodyDrainBytes: options.maxBodyDrainBytes,
    logger: options.logger,
  });
  let closed = false;
  return {
    app,
    store,
    settings,
    close: async () => {
      if (closed) return;
      closed = true;
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
