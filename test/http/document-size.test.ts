import { estimatedBsonBytes, MAX_DOCUMENT_BYTES } from '../../src/fhir/limits/document-size';
import { makeTestApp, type TestApp } from '../helpers/app';
import { sender } from '../helpers/send';

/**
 * A stored document (resource + search index entries) must fit MongoDB's 16 MB: a body under the
 * 12 MB limit whose searchable strings are copied into many index entries is refused with 413 on
 * both engines, not stored here and refused there.
 */
let t: TestApp;
let send: ReturnType<typeof sender>;
beforeAll(async () => {
  t = await makeTestApp();
  send = sender(t.app);
});
afterAll(() => t.close());

const MB = 1024 * 1024;
const hugeNames = (count: number) => Array.from({ length: count }, (_, i) => ({ family: `${String.fromCharCode(97 + i)}${'x'.repeat(MB - 10)}` }));

describe('stored document size', () => {
  it('a Patient of 6 one-megabyte family names (6 MB body, index copies ~30 MB) → 413 too-costly, nothing stored', async () => {
    const reply = await send('POST', 'Patient', { resourceType: 'Patient', name: hugeNames(6) });
    expect(reply.status).toBe(413);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    expect(reply.body.issue[0].code).toBe('too-costly');
    expect(reply.body.issue[0].diagnostics).toMatch(/16 MB/);
    const count = await send('GET', 'Patient?_summary=count');
    expect(count.body.total).toBe(0);
  });

  it('the same on update and inside a transaction Bundle', async () => {
    const created = await send('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Small' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const update = await send('PUT', `Patient/${id}`, { resourceType: 'Patient', id, name: hugeNames(6) });
    expect(update.status).toBe(413);
    expect((await send('GET', `Patient/${id}`)).body.name).toEqual([{ family: 'Small' }]);
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', name: hugeNames(6) }, request: { method: 'POST', url: 'Patient' } }] };
    expect((await send('POST', '', bundle)).status).toBe(413);
  });

  it('a large resource whose bulk is not indexed (an 8 MB photo) is stored', async () => {
    const data = Buffer.alloc(6 * MB, 7).toString('base64');
    const reply = await send('POST', 'Patient', { resourceType: 'Patient', photo: [{ contentType: 'image/jpeg', data }], name: [{ family: 'Photo' }] });
    expect(reply.status).toBe(201);
  });
});

describe('the size estimate', () => {
  it('counts strings (3 bytes per non-ASCII unit), keys, numbers, and stops past its budget', () => {
    expect(estimatedBsonBytes({ a: 'x'.repeat(100) }, MAX_DOCUMENT_BYTES)).toBeGreaterThanOrEqual(100);
    expect(estimatedBsonBytes({ a: 'é'.repeat(100) }, MAX_DOCUMENT_BYTES)).toBeGreaterThanOrEqual(300);
    const bigArray = Array.from({ length: 100_000 }, () => 'abcdefgh');
    expect(estimatedBsonBytes(bigArray, 1000)).toBeGreaterThan(1000);
    expect(estimatedBsonBytes({ n: 1, b: true, z: null }, MAX_DOCUMENT_BYTES)).toBeGreaterThan(24);
  });
});
