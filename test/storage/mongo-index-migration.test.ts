import { MongoServerError, type Collection, type Document } from 'mongodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexSpecsFor } from '../../src/fhir/search/api';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import { MongoCollection, type DriverAccess } from '../../src/storage/mongo/collection';
import type { IndexSpec } from '../../src/storage/port';

/**
 * Start-up index migration, without a server: a collection double answers createIndex like
 * MongoDB does (the driver's MongoServerError with code 85 or 86 on a clashing declaration) and
 * listIndexes from its own table.
 */
interface Row {
  name: string;
  key: Document;
  unique?: boolean;
}

function collectionDouble(rows: Row[]) {
  const calls: string[] = [];
  const conflict = (code: number, codeName: string) => new MongoServerError({ message: `${codeName} (double)`, code, codeName });
  const double = {
    collectionName: 'Observation',
    async createIndex(keys: Document, options: { name?: string; unique?: boolean }) {
      const name = options.name ?? Object.entries(keys).map(([k, v]) => `${k}_${String(v)}`).join('_');
      calls.push(`create ${name}`);
      const byName = rows.find((r) => r.name === name);
      const byKeys = rows.find((r) => JSON.stringify(r.key) === JSON.stringify(keys));
      if (byName && JSON.stringify(byName.key) !== JSON.stringify(keys)) throw conflict(86, 'IndexKeySpecsConflict');
      if (byKeys && (byKeys.name !== name || !!byKeys.unique !== !!options.unique)) throw conflict(85, 'IndexOptionsConflict');
      if (!byName) rows.push({ name, key: keys, ...(options.unique ? { unique: true } : {}) });
      return name;
    },
    listIndexes: () => ({ toArray: async () => rows.map((r) => ({ v: 2, ...r })) }),
    async dropIndex(name: string) {
      calls.push(`drop ${name}`);
      rows.splice(rows.findIndex((r) => r.name === name), 1);
    },
  };
  return { collection: double as unknown as Collection<Document>, calls, rows };
}

const logger = () => {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
};

/** Index creation needs no session and maps no errors: a driver access that does neither. */
const noDriver: DriverAccess = { sessionOf: () => undefined, fail: (error: unknown) => error };

const declared: IndexSpec = { name: 'idx_patient_date', keys: { 'idx.patient': 1, 'idx.date:sort': -1, _id: -1 } };

describe('MongoDB index migration at start-up', () => {
  it('replaces an index whose keys changed under the same name (code 86) and logs it without data', async () => {
    const { collection, calls, rows } = collectionDouble([{ name: '_id_', key: { _id: 1 } }, { name: 'idx_patient_date', key: { 'idx.patient': 1, 'idx.date:sort': -1 } }]);
    const log = logger();
    await new MongoCollection(collection, noDriver, log).createIndex(declared);
    expect(calls).toEqual(['create idx_patient_date', 'drop idx_patient_date', 'create idx_patient_date']);
    expect(rows.find((r) => r.name === 'idx_patient_date')?.key).toEqual(declared.keys);
    expect(log.lines).toEqual([expect.stringContaining('Observation.idx_patient_date replaced')]);
  });

  it('replaces an index whose options changed (code 85) instead of hiding the change', async () => {
    const spec: IndexSpec = { name: 'claim', keys: { key: 1 }, unique: true };
    const { collection, calls, rows } = collectionDouble([{ name: 'claim', key: { key: 1 } }]);
    await new MongoCollection(collection, noDriver, logger()).createIndex(spec);
    expect(calls).toEqual(['create claim', 'drop claim', 'create claim']);
    expect(rows).toEqual([{ name: 'claim', key: { key: 1 }, unique: true }]);
  });

  it('leaves an unchanged index alone and passes other driver errors through', async () => {
    const { collection, calls } = collectionDouble([{ name: 'idx_patient_date', key: declared.keys }]);
    const log = logger();
    await new MongoCollection(collection, noDriver, log).createIndex(declared);
    expect(calls).toEqual(['create idx_patient_date']);
    expect(log.lines).toEqual([]);
    const failing = { ...collection, collectionName: 'Observation', createIndex: async () => Promise.reject(new MongoServerError({ message: 'too many indexes', code: 67 })) };
    await expect(new MongoCollection(failing as unknown as Collection<Document>, noDriver).createIndex(declared)).rejects.toMatchObject({ code: 67 });
  });

  it('the embedded engine accepts the same changed declarations, across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-migrate-'));
    try {
      let store = await openEmbeddedStore({ dataDir });
      await store.collection('Observation').createIndex({ name: 'idx_patient_date', keys: { 'idx.patient': 1, 'idx.date:sort': -1 } });
      await store.close();
      store = await openEmbeddedStore({ dataDir });
      for (const spec of indexSpecsFor('Observation')) await store.collection('Observation').createIndex(spec);
      await store.close();
      store = await openEmbeddedStore({ dataDir });
      await store.collection('Observation').insertOne({ _id: 'o1', idx: { patient: ['Patient/p1'], 'date:sort': 1 } } as never);
      expect(await store.collection('Observation').countDocuments({ 'idx.patient': 'Patient/p1' })).toBe(1);
      await store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
