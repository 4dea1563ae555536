import { randomUUID } from 'node:crypto';
import { blobContract } from './contract-blobs';
import { DuplicateKeyError, type DocumentStore, type Filter, type StoredDocument } from '../../src/storage/port';

/**
 * The storage contract, run against every adapter (test/storage/embedded.test.ts and
 * test/storage/mongo.test.ts). Collection names are unique per test so that a shared MongoDB
 * never sees another run's data.
 */
export interface OpenedStore {
  store: DocumentStore;
  cleanup(): Promise<void>;
}

interface Doc extends StoredDocument {
  versionId?: number;
  n?: number;
  name?: string;
  tags?: string[];
  idx?: Record<string, unknown>;
  items?: Array<{ code: string; value: number }>;
  optional?: string | null;
}

const docs: Doc[] = [
  { _id: 'a', n: 1, name: 'alpha', tags: ['red', 'blue'], idx: { code: ['c:1', 's:x'], date: { lo: 100, hi: 199 } }, items: [{ code: 'x', value: 5 }], optional: 'set' },
  { _id: 'b', n: 2, name: 'beta', tags: ['blue'], idx: { code: ['c:2'], date: { lo: 200, hi: 299 } }, items: [{ code: 'x', value: 50 }, { code: 'y', value: 1 }] },
  { _id: 'c', n: 3, name: 'Alphabet', tags: [], idx: { code: ['c:1'], date: { lo: 300, hi: 399 } }, items: [], optional: null },
  { _id: 'd', n: 3, name: 'delta', tags: ['green'], idx: { code: ['c:3', 's:x'], date: { lo: 400, hi: 499 } }, items: [{ code: 'y', value: 7 }] },
  { _id: 'e', n: 5, name: 'epsilon', idx: { code: [] } },
];

/** [title, filter, ids expected (sorted)] */
export const FILTER_CASES: Array<[string, Filter, string[]]> = [
  ['equality on a scalar', { n: 3 }, ['c', 'd']],
  ['equality on _id', { _id: 'b' }, ['b']],
  ['equality matches an array element', { tags: 'blue' }, ['a', 'b']],
  ['$in on a multikey array', { 'idx.code': { $in: ['c:1', 'c:3'] } }, ['a', 'c', 'd']],
  ['$in on _id', { _id: { $in: ['a', 'e', 'zz'] } }, ['a', 'e']],
  ['$eq', { name: { $eq: 'beta' } }, ['b']],
  ['$ne', { n: { $ne: 3 } }, ['a', 'b', 'e']],
  ['$nin', { tags: { $nin: ['blue'] } }, ['c', 'd', 'e']],
  ['range $gte/$lt', { n: { $gte: 2, $lt: 5 } }, ['b', 'c', 'd']],
  ['range on a nested path', { 'idx.date.lo': { $gt: 150, $lte: 300 } }, ['b', 'c']],
  ['$or of equalities', { $or: [{ n: 1 }, { tags: 'green' }] }, ['a', 'd']],
  ['$or with a range branch', { $or: [{ _id: 'e' }, { n: { $lt: 2 } }] }, ['a', 'e']],
  ['$and of terms', { $and: [{ 'idx.code': 's:x' }, { n: { $gt: 1 } }] }, ['d']],
  ['$and with a nested $or', { $and: [{ tags: 'blue' }, { $or: [{ n: 2 }, { n: 9 }] }] }, ['b']],
  ['$elemMatch', { items: { $elemMatch: { code: 'x', value: { $gt: 10 } } } }, ['b']],
  ['dotted path into an array of objects', { 'items.code': 'y' }, ['b', 'd']],
  ['$exists true', { optional: { $exists: true } }, ['a', 'c']],
  ['$exists false', { optional: { $exists: false } }, ['b', 'd', 'e']],
  ['equality with null matches null and missing', { optional: null }, ['b', 'c', 'd', 'e']],
  ['$regex anchored prefix', { name: { $regex: '^alph' } }, ['a']],
  ['$regex case-insensitive prefix', { name: { $regex: '^alph', $options: 'i' } }, ['a', 'c']],
  ['$all', { tags: { $all: ['red', 'blue'] } }, ['a']],
  ['$size', { tags: { $size: 0 } }, ['c']],
  ['$not', { n: { $not: { $gte: 3 } } }, ['a', 'b']],
  ['$nor', { $nor: [{ n: 1 }, { n: 3 }] }, ['b', 'e']],
  ['empty $in matches nothing', { tags: { $in: [] } }, []],
  ['no match', { name: 'omega' }, []],
  ['empty filter', {}, ['a', 'b', 'c', 'd', 'e']],
];

const ids = (list: StoredDocument[]) => list.map((d) => d._id).sort();

export function storeContract(open: () => Promise<OpenedStore>): void {
  let opened: OpenedStore;
  let store: DocumentStore;
  const unique = (name: string) => `${name}_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    opened = await open();
    store = opened.store;
  });
  afterAll(() => opened.cleanup());

  describe('documents', () => {
    it('inserts, finds, counts, replaces and deletes', async () => {
      const c = store.collection<Doc>(unique('Crud'));
      await c.insertOne({ _id: 'p1', versionId: 1, name: 'one' });
      await c.insertOne({ _id: 'p2', versionId: 1, name: 'two' });
      expect(await c.findOne({ _id: 'p1' })).toEqual({ _id: 'p1', versionId: 1, name: 'one' });
      expect(await c.findOne({ _id: 'missing' })).toBeNull();
      expect(await c.countDocuments({})).toBe(2);
      expect(await c.replaceOne({ _id: 'p1' }, { _id: 'p1', versionId: 2, name: 'uno' })).toEqual({ matchedCount: 1, upserted: false });
      expect((await c.findOne({ _id: 'p1' }))?.name).toBe('uno');
      expect(await c.deleteOne({ _id: 'p1' })).toBe(1);
      expect(await c.deleteOne({ _id: 'p1' })).toBe(0);
      expect(await c.countDocuments({})).toBe(1);
      expect(await store.listCollections()).toContain(c.name);
    });

    it('hands out copies: mutating an input or a result does not change the store', async () => {
      const c = store.collection<Doc>(unique('Alias'));
      const input: Doc = { _id: 'x', tags: ['a'], idx: { code: ['c:1'] } };
      await c.insertOne(input);
      (input.tags as string[]).push('mutated');
      const read = (await c.findOne({ _id: 'x' })) as Doc;
      expect(read.tags).toEqual(['a']);
      (read.idx as { code: string[] }).code.push('c:2');
      read.tags = [];
      const again = (await c.find({}))[0] as Doc;
      expect(again).toEqual({ _id: 'x', tags: ['a'], idx: { code: ['c:1'] } });
      expect(await c.countDocuments({ 'idx.code': 'c:2' })).toBe(0);
      const [slim] = await c.find({ 'idx.code': 'c:1' }, { projection: { idx: 0 } });
      (slim as Doc).tags = ['changed'];
      expect(await c.findOne({ _id: 'x' }, { projection: { idx: 0 } })).toEqual({ _id: 'x', tags: ['a'] });
    });

    it('drops undefined fields, as JSON does', async () => {
      const c = store.collection<Doc>(unique('Undef'));
      await c.insertOne({ _id: 'u', name: undefined, n: 1 });
      expect(Object.keys((await c.findOne({ _id: 'u' })) ?? {}).sort()).toEqual(['_id', 'n']);
      expect(await c.countDocuments({ name: { $exists: false } })).toBe(1);
    });

    it('refuses a duplicate _id', async () => {
      const c = store.collection<Doc>(unique('Dup'));
      await c.insertOne({ _id: 'same', n: 1 });
      await expect(c.insertOne({ _id: 'same', n: 2 })).rejects.toBeInstanceOf(DuplicateKeyError);
      expect((await c.findOne({ _id: 'same' }))?.n).toBe(1);
    });

    it('deleteMany removes every match and reports the count', async () => {
      const c = store.collection<Doc>(unique('DelMany'));
      for (const doc of docs) await c.insertOne(doc);
      expect(await c.deleteMany({ tags: 'blue' })).toBe(2);
      expect(await c.deleteMany({ tags: 'blue' })).toBe(0);
      expect(ids(await c.find({}))).toEqual(['c', 'd', 'e']);
    });
  });

  describe.each([
    ['without indexes', false],
    ['with indexes', true],
  ])('filters %s', (_title, indexed) => {
    const name = unique(indexed ? 'Indexed' : 'Plain');
    beforeAll(async () => {
      const c = store.collection<Doc>(name);
      if (indexed) {
        for (const field of ['n', 'name', 'tags', 'idx.code', 'idx.date.lo', 'items.code', 'optional']) await c.createIndex({ keys: { [field]: 1 } });
      }
      for (const doc of docs) await c.insertOne(doc);
    });
    it.each(FILTER_CASES)('%s', async (_case, filter, expected) => {
      const c = store.collection<Doc>(name);
      expect(ids(await c.find(filter))).toEqual(expected);
      expect(await c.countDocuments(filter)).toBe(expected.length);
    });
  });

  describe('sort, skip, limit, projection', () => {
    const name = unique('Sort');
    beforeAll(async () => {
      const c = store.collection<Doc>(name);
      for (const doc of docs) await c.insertOne(doc);
    });

    it('sorts on several keys', async () => {
      const c = store.collection<Doc>(name);
      const found = await c.find({}, { sort: { n: -1, _id: 1 } });
      expect(found.map((d) => d._id)).toEqual(['e', 'c', 'd', 'b', 'a']);
      const byNameThenN = await c.find({ n: { $lte: 3 } }, { sort: { n: 1, name: -1 } });
      expect(byNameThenN.map((d) => d._id)).toEqual(['a', 'b', 'd', 'c']);
    });

    it('sorts on a nested path, missing values first ascending', async () => {
      const c = store.collection<Doc>(name);
      const found = await c.find({}, { sort: { 'idx.date.lo': 1 } });
      expect(found.map((d) => d._id)).toEqual(['e', 'a', 'b', 'c', 'd']);
    });

    it('sorts arrays by their smallest element ascending and largest descending', async () => {
      const c = store.collection<Doc>(name);
      const filter = { tags: { $exists: true, $ne: [] } };
      expect((await c.find(filter, { sort: { tags: 1, _id: 1 } })).map((d) => d._id)).toEqual(['a', 'b', 'd']);
      expect((await c.find(filter, { sort: { tags: -1, _id: 1 } })).map((d) => d._id)).toEqual(['a', 'd', 'b']);
    });

    it('a small page of a large sorted result is the head of the full sort', async () => {
      const c = store.collection<Doc>(unique('Page'));
      const all: Doc[] = Array.from({ length: 300 }, (_, i) => ({ _id: `p${String(i).padStart(3, '0')}`, n: (i * 7919) % 97, name: i % 3 ? 'x' : 'y' }));
      for (const doc of all) await c.insertOne(doc);
      const expected = [...all].sort((a, b) => (b.n as number) - (a.n as number) || (a._id < b._id ? -1 : 1)).filter((d) => d.name === 'x');
      const page = await c.find({ name: 'x' }, { sort: { n: -1, _id: 1 }, skip: 3, limit: 5 });
      expect(page).toEqual(expected.slice(3, 8));
      const whole = await c.find({ name: 'x' }, { sort: { n: -1, _id: 1 } });
      expect(whole).toEqual(expected);
    });

    it('applies skip and limit after the sort', async () => {
      const c = store.collection<Doc>(name);
      expect((await c.find({}, { sort: { _id: 1 }, skip: 1, limit: 2 })).map((d) => d._id)).toEqual(['b', 'c']);
      expect((await c.find({}, { sort: { _id: -1 }, limit: 1 })).map((d) => d._id)).toEqual(['e']);
      expect(await c.find({}, { sort: { _id: 1 }, skip: 10 })).toEqual([]);
      expect((await c.find({ n: 3 }, { limit: 1 })).length).toBe(1);
    });

    it('projects with inclusion and exclusion', async () => {
      const c = store.collection<Doc>(name);
      expect(await c.findOne({ _id: 'a' }, { projection: { name: 1 } })).toEqual({ _id: 'a', name: 'alpha' });
      expect(await c.findOne({ _id: 'a' }, { projection: { name: 1, _id: 0 } })).toEqual({ name: 'alpha' });
      expect(await c.findOne({ _id: 'a' }, { projection: { 'idx.date': 1 } })).toEqual({ _id: 'a', idx: { date: { lo: 100, hi: 199 } } });
      const excluded = (await c.findOne({ _id: 'b' }, { projection: { idx: 0, items: 0 } })) as Doc;
      expect(excluded).toEqual({ _id: 'b', n: 2, name: 'beta', tags: ['blue'] });
    });
  });

  describe('replaceOne', () => {
    it('honours a version precondition: a stale version matches nothing', async () => {
      const c = store.collection<Doc>(unique('Version'));
      await c.insertOne({ _id: 'r', versionId: 1, name: 'v1' });
      expect(await c.replaceOne({ _id: 'r', versionId: 1 }, { _id: 'r', versionId: 2, name: 'v2' })).toEqual({ matchedCount: 1, upserted: false });
      expect(await c.replaceOne({ _id: 'r', versionId: 1 }, { _id: 'r', versionId: 2, name: 'lost' })).toEqual({ matchedCount: 0, upserted: false });
      expect(await c.findOne({ _id: 'r' })).toEqual({ _id: 'r', versionId: 2, name: 'v2' });
    });

    it('upserts when nothing matches, and then replaces', async () => {
      const c = store.collection<Doc>(unique('Upsert'));
      expect(await c.replaceOne({ _id: 'u' }, { _id: 'u', versionId: 1 }, { upsert: true })).toEqual({ matchedCount: 0, upserted: true });
      expect(await c.replaceOne({ _id: 'u' }, { _id: 'u', versionId: 2 }, { upsert: true })).toEqual({ matchedCount: 1, upserted: false });
      expect(await c.findOne({ _id: 'u' })).toEqual({ _id: 'u', versionId: 2 });
    });

    it('an upsert whose precondition misses an existing _id is a duplicate key', async () => {
      const c = store.collection<Doc>(unique('UpsertDup'));
      await c.insertOne({ _id: 'u', versionId: 3 });
      await expect(c.replaceOne({ _id: 'u', versionId: 1 }, { _id: 'u', versionId: 2 }, { upsert: true })).rejects.toBeInstanceOf(DuplicateKeyError);
      expect((await c.findOne({ _id: 'u' }))?.versionId).toBe(3);
    });
  });

  describe('indexes', () => {
    it('createIndex is idempotent', async () => {
      const c = store.collection<Doc>(unique('Idem'));
      await c.createIndex({ keys: { name: 1 }, name: 'by_name' });
      await c.createIndex({ keys: { name: 1 }, name: 'by_name' });
      await c.insertOne({ _id: '1', name: 'x' });
      expect(await c.countDocuments({ name: 'x' })).toBe(1);
    });

    it('a unique index refuses a second document with the same key, on insert and replace', async () => {
      const c = store.collection<Doc>(unique('Unique'));
      await c.createIndex({ keys: { name: 1 }, name: 'name_unique', unique: true });
      await c.insertOne({ _id: '1', name: 'taken' });
      await c.insertOne({ _id: '2', name: 'free' });
      await expect(c.insertOne({ _id: '3', name: 'taken' })).rejects.toBeInstanceOf(DuplicateKeyError);
      await expect(c.replaceOne({ _id: '2' }, { _id: '2', name: 'taken' })).rejects.toBeInstanceOf(DuplicateKeyError);
      expect(await c.replaceOne({ _id: '1' }, { _id: '1', name: 'taken', n: 2 })).toEqual({ matchedCount: 1, upserted: false });
      expect(ids(await c.find({}))).toEqual(['1', '2']);
      expect((await c.findOne({ _id: '2' }))?.name).toBe('free');
      await c.deleteOne({ _id: '1' });
      await c.insertOne({ _id: '3', name: 'taken' });
    });

    it('a multikey unique index compares array elements across documents', async () => {
      const c = store.collection<Doc>(unique('UniqueMulti'));
      await c.createIndex({ keys: { tags: 1 }, name: 'tags_unique', unique: true });
      await c.insertOne({ _id: '1', tags: ['a', 'b'] });
      await expect(c.insertOne({ _id: '2', tags: ['c', 'b'] })).rejects.toBeInstanceOf(DuplicateKeyError);
      await c.insertOne({ _id: '3', tags: ['c'] });
    });

    it('a unique index cannot be built over duplicates', async () => {
      const c = store.collection<Doc>(unique('UniqueLate'));
      await c.insertOne({ _id: '1', name: 'same' });
      await c.insertOne({ _id: '2', name: 'same' });
      await expect(c.createIndex({ keys: { name: 1 }, name: 'late_unique', unique: true })).rejects.toBeInstanceOf(DuplicateKeyError);
      await c.insertOne({ _id: '3', name: 'same' });
    });
  });

  describe('transactions', () => {
    it('commits every write together, and reads with the session see them first', async () => {
      const a = store.collection<Doc>(unique('TxA'));
      const b = store.collection<Doc>(unique('TxB'));
      await a.insertOne({ _id: 'keep', n: 1 });
      await a.insertOne({ _id: 'gone', n: 2 });
      const result = await store.withTransaction(async (session) => {
        await a.insertOne({ _id: 'new', n: 3 }, { session });
        await b.insertOne({ _id: 'other', n: 4 }, { session });
        await a.replaceOne({ _id: 'keep' }, { _id: 'keep', n: 10 }, { session });
        await a.deleteOne({ _id: 'gone' }, { session });
        expect(ids(await a.find({}, { session }))).toEqual(['keep', 'new']);
        expect(await a.countDocuments({ n: { $gte: 3 } }, { session })).toBe(2);
        expect((await a.findOne({ _id: 'keep' }, { session }))?.n).toBe(10);
        expect(await b.findOne({ _id: 'other' }, { session })).not.toBeNull();
        // outside the transaction nothing is visible yet
        expect(ids(await a.find({}))).toEqual(['gone', 'keep']);
        return 'done';
      });
      expect(result).toBe('done');
      expect(ids(await a.find({}))).toEqual(['keep', 'new']);
      expect((await a.findOne({ _id: 'keep' }))?.n).toBe(10);
      expect(await b.countDocuments({})).toBe(1);
    });

    it('discards every write when the work throws', async () => {
      const a = store.collection<Doc>(unique('TxRollback'));
      await a.insertOne({ _id: 'old', n: 1 });
      await expect(
        store.withTransaction(async (session) => {
          await a.insertOne({ _id: 'new', n: 2 }, { session });
          await a.replaceOne({ _id: 'old' }, { _id: 'old', n: 99 }, { session });
          await a.deleteOne({ _id: 'old' }, { session });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await a.find({})).toEqual([{ _id: 'old', n: 1 }]);
    });

    it('a duplicate key inside the transaction rolls back the earlier writes', async () => {
      const a = store.collection<Doc>(unique('TxDup'));
      await a.insertOne({ _id: 'exists' });
      await expect(
        store.withTransaction(async (session) => {
          await a.insertOne({ _id: 'first' }, { session });
          await a.insertOne({ _id: 'exists' }, { session });
        }),
      ).rejects.toBeInstanceOf(DuplicateKeyError);
      expect(ids(await a.find({}))).toEqual(['exists']);
    });

    it('a precondition inside the transaction sees the transaction’s own writes', async () => {
      const a = store.collection<Doc>(unique('TxVersion'));
      await a.insertOne({ _id: 'v', versionId: 1 });
      await store.withTransaction(async (session) => {
        expect((await a.replaceOne({ _id: 'v', versionId: 1 }, { _id: 'v', versionId: 2 }, { session })).matchedCount).toBe(1);
        expect((await a.replaceOne({ _id: 'v', versionId: 1 }, { _id: 'v', versionId: 3 }, { session })).matchedCount).toBe(0);
        expect((await a.replaceOne({ _id: 'v', versionId: 2 }, { _id: 'v', versionId: 3 }, { session })).matchedCount).toBe(1);
      });
      expect((await a.findOne({ _id: 'v' }))?.versionId).toBe(3);
    });
  });

  blobContract(() => store, unique);

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}
