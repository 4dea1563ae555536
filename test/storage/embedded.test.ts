import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import { storeContract } from './contract';

describe('embedded store: storage contract', () => {
  storeContract(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-storage-'));
    const store = await openEmbeddedStore({ dataDir });
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  });
});
