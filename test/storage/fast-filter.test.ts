import { Query } from 'mingo';
import type { Filter, StoredDocument } from '../../src/storage/port';
import { compileFastFilter } from '../../src/storage/embedded/fast-filter';

/** The embedded engine's mingo-free path must agree with mingo (MongoDB's semantics) wherever it applies. */
const docs: StoredDocument[] = [
  { _id: 'a', deleted: false, n: 1, idx: { code: ['c:1', 'sc:s|1'], status: 'final', subject: ['Patient/1'] } },
  { _id: 'b', deleted: true, n: 2, idx: { code: ['c:2'], status: 'amended' } },
  { _id: 'c', deleted: false, n: 1.0, idx: { code: [], status: ['final', 'x'] }, tags: [{ code: 't1' }, { code: 't2' }] },
  { _id: 'd', deleted: false, idx: {}, tags: [[{ code: 't1' }]], nested: { deep: { value: true } } },
  // (no arrays nested in arrays at a leaf: MongoDB does not match into them, mingo does; index entries are flat)
  { _id: 'e', deleted: false, n: '1', idx: { code: ['c:3'] }, tags: { code: ['t3', 't1'] } },
  { _id: 'f', deleted: false, idx: null, tags: [{ code: ['t2', 't4'] }, { other: 1 }] },
] as unknown as StoredDocument[];

const filters: Filter[] = [
  {},
  { _id: 'a' },
  { _id: 'zz' },
  { _id: 'a', deleted: false },
  { deleted: false },
  { deleted: true },
  { n: 1 },
  { n: '1' },
  { 'idx.code': 'c:1' },
  { 'idx.code': { $in: ['c:2', 'c:1'] } },
  { 'idx.code': { $in: [] } },
  { 'idx.status': 'final' },
  { 'idx.status': { $eq: 'x' } },
  { 'idx.subject': 'Patient/1', deleted: false },
  { 'tags.code': 't1' },
  { 'tags.code': 't2' },
  { 'tags.code': { $in: ['t4', 't3'] } },
  { 'nested.deep.value': true },
  { 'nested.deep': true },
  { $and: [{ deleted: false }, { 'idx.code': { $in: ['c:1'] } }, {}] },
  { $and: [{ deleted: false }, { $and: [{ n: 1 }, { 'idx.status': 'final' }] }] },
];

describe('fast filter path agrees with mingo', () => {
  it.each(filters.map((f) => [JSON.stringify(f), f] as const))('%s', (_name, filter) => {
    const fast = compileFastFilter(filter);
    expect(fast).toBeDefined();
    const query = new Query(filter);
    expect(docs.filter((d) => fast?.test(d)).map((d) => d._id)).toEqual(docs.filter((d) => query.test(d)).map((d) => d._id));
  });

  it.each([
    [{ a: null }],
    [{ a: { $gt: 1 } }],
    [{ a: { $in: [null] } }],
    [{ a: ['x'] }],
    [{ 'a.0': 'x' }],
    [{ $or: [{ a: 1 }] }],
    [{ a: { $eq: 1, $ne: 2 } }],
    [{ $and: [] }],
  ])('leaves %j to mingo', (filter) => {
    expect(compileFastFilter(filter as Filter)).toBeUndefined();
  });
});
