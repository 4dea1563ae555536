import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UNRESTRICTED } from '../../src/fhir/access/context';
import type { FhirContext } from '../../src/fhir/request';
import type { DocumentStore } from '../../src/storage/port';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import { settings } from '../core/helpers';
import { loadFixtures } from './fixtures';

/** The engines the search table runs on: embedded always, MongoDB when MONGODB_URI is set. */
export interface Engine {
  name: string;
  /** MongoDB keeps data between runs: queries are narrowed to this run's tag. */
  shared: boolean;
  open(): Promise<{ store: DocumentStore; cleanup(): Promise<void> }>;
}

export const engines: Engine[] = [
  {
    name: 'embedded',
    shared: false,
    open: async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-search-'));
      const store = await openEmbeddedStore({ dataDir });
      return { store, cleanup: async () => (await store.close(), rmSync(dataDir, { recursive: true, force: true })) };
    },
  },
];

const mongoUri = process.env['MONGODB_URI'];
if (mongoUri) {
  engines.push({
    name: 'mongodb',
    shared: true,
    open: async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { openStore } = require('../../src/storage/open') as {
        openStore(options: { mongodbUri?: string; dataDir: string }): Promise<DocumentStore>;
      };
      const store = await openStore({ mongodbUri: mongoUri, dataDir: tmpdir() });
      return { store, cleanup: () => store.close() };
    },
  });
} else {
  console.warn('test/search: MONGODB_URI is not set, the MongoDB run is skipped (embedded engine only)');
}

export interface LoadedEngine {
  ctx: FhirContext;
  marker: string;
  cleanup(): Promise<void>;
}

export async function openLoaded(engine: Engine, over: Partial<FhirContext> = {}): Promise<LoadedEngine> {
  const { store, cleanup } = await engine.open();
  const marker = `s${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await loadFixtures(store, marker);
  const ctx: FhirContext = {
    store,
    settings: settings({ defaultPageSize: 20, maxPageSize: 100 }),
    operations: [],
    beforeWrite: [],
    afterWrite: [],
    access: UNRESTRICTED,
    requestId: 'search-test',
    ...over,
  };
  return { ctx, marker, cleanup };
}
