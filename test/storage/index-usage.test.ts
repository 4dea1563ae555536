import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/store';

/**
 * Embedded engine only: the planner narrows candidates with the equality indexes. Evidence is
 * the number of documents handed to the filter (`examined`), never timing.
 */
const N = 20_000;
let dataDir: string;
let store: EmbeddedStore;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-index-'));
  store = await openEmbeddedStore({ dataDir });
  const c = store.collection('Observation');
  await c.createIndex({ keys: { 'idx.code': 1 }, name: 'code' });
  await c.createIndex({ keys: { 'idx.patient': 1, 'idx.date:sort': -1 }, name: 'patient_date' });
  await c.createIndex({ keys: { compartments: 1 } });
  await store.withTransaction(async (session) => {
    for (let i = 0; i < N; i++) {
      await c.insertOne(
        {
          _id: `o${i}`,
          deleted: i % 100 === 0,
          idx: { code: [`c:${i % 50}`, `sc:http://loinc.org|${i % 50}`], patient: `Patient/p${i % 1000}`, 'date:sort': i, status: i % 2 ? 'final' : 'amended' },
          compartments: [`Patient/p${i % 1000}`],
        } as never,
        { session },
      );
    }
  });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function examined(filter: Record<string, unknown>, options = {}): Promise<{ examined: number; found: number }> {
  const c = store.collection('Observation');
  const before = c.examined;
  const found = (await c.find(filter, options)).length;
  return { examined: c.examined - before, found };
}

describe('equality indexes narrow the candidates', () => {
  it('an equality on an indexed multikey path examines only its key', async () => {
    expect(await examined({ 'idx.code': 'c:7' })).toEqual({ examined: N / 50, found: N / 50 });
  });

  it('$in unions the keys; the leading field of a compound index is usable', async () => {
    expect(await examined({ 'idx.code': { $in: ['c:1', 'c:2'] } })).toEqual({ examined: (2 * N) / 50, found: (2 * N) / 50 });
    const { examined: n, found } = await examined({ 'idx.patient': 'Patient/p3', deleted: false }, { sort: { 'idx.date:sort': -1 } });
    expect(n).toBe(N / 1000);
    expect(found).toBe(N / 1000);
  });

  it('inside $and the most selective term wins', async () => {
    const c = store.collection('Observation');
    expect(c.explain({ $and: [{ deleted: false }, { 'idx.code': 'c:3' }, { compartments: 'Patient/p3' }] })).toEqual({ index: 'compartments', candidates: N / 1000 });
    expect((await examined({ $and: [{ deleted: false }, { 'idx.code': 'c:3' }, { compartments: 'Patient/p3' }] })).examined).toBe(N / 1000);
  });

  it('$or is indexed when every branch is', async () => {
    const r = await examined({ $or: [{ 'idx.code': 'c:1' }, { compartments: 'Patient/p2' }] });
    expect(r.examined).toBeLessThanOrEqual(N / 50 + N / 1000);
    expect(r.found).toBe(N / 50 + N / 1000); // p2 documents have code c:2, disjoint from c:1
  });

  it('_id lookups touch one document', async () => {
    expect(await examined({ _id: 'o123', deleted: false })).toEqual({ examined: 1, found: 1 });
    expect(await examined({ _id: { $in: ['o1', 'o2', 'missing'] } })).toEqual({ examined: 2, found: 2 });
  });

  it('falls back to a full scan when no term is usable', async () => {
    const c = store.collection('Observation');
    expect(c.explain({ 'idx.status': 'final' })).toEqual({ index: undefined, candidates: N });
    expect(c.explain({ $or: [{ 'idx.code': 'c:1' }, { 'idx.status': 'final' }] }).index).toBeUndefined();
    expect(c.explain({ 'idx.code': { $ne: 'c:1' } }).index).toBeUndefined();
    expect(c.explain({ 'idx.code': { $regex: '^c:1' } }).index).toBeUndefined();
    expect((await examined({ 'idx.status': 'final' })).examined).toBe(N);
  });

  it('a session read merges the transaction overlay with indexed candidates', async () => {
    const c = store.collection('Observation');
    await expect(
      store.withTransaction(async (session) => {
        await c.insertOne({ _id: 'new', idx: { code: ['c:7'] } } as never, { session });
        await c.deleteOne({ _id: 'o7' }, { session });
        expect(await c.countDocuments({ 'idx.code': 'c:7' }, { session })).toBe(N / 50);
        expect(await c.findOne({ _id: 'new', 'idx.code': 'c:7' }, { session })).not.toBeNull();
        expect(await c.findOne({ _id: 'o7' }, { session })).toBeNull();
        throw new Error('discard');
      }),
    ).rejects.toThrow('discard');
    expect(await c.findOne({ _id: 'o7' })).not.toBeNull();
  });
});
