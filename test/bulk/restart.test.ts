import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { bulkModule, type BulkModule } from '../../src/bulk';
import { createApp } from '../../src/http/app';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import type { BlobStore, DocumentStore } from '../../src/storage/port';
import { testSettings } from '../helpers/app';
import { downloadAll, kickOff, pathOf, patient, poll, put, type Manifest } from './helpers';

/**
 * Durable jobs: the job lives in the store, progress is committed after every file, and a job
 * whose instance died is claimed again once its lease runs out and resumes after its last file.
 */
jest.setTimeout(180_000);

const settings = testSettings();
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The store with its blob store wrapped: `onWrite` sees (and may hold or fail) every file write. */
function withBlobHook(store: DocumentStore, onWrite: (id: string) => Promise<void>): DocumentStore {
  const blobs: BlobStore = {
    write: async (id, type, content, max) => {
      await onWrite(id);
      return store.blobs.write(id, type, content, max);
    },
    stat: (id) => store.blobs.stat(id),
    read: (id, range) => store.blobs.read(id, range),
    delete: (id) => store.blobs.delete(id),
  };
  return new Proxy(store, { get: (target, key) => (key === 'blobs' ? blobs : (Reflect.get(target, key) as unknown)) });
}

function app(store: DocumentStore, bulk: BulkModule): Express {
  return createApp({ store, settings, operations: bulk.operations, rawRoutes: bulk.rawRoutes });
}

const config = { fileMaxResources: 5, pageSize: 5, leaseSeconds: 1, pollMs: 50 };

it('a job interrupted by a crash resumes after its last committed file, each resource exported once', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-bulk-restart-'));
  dirs.push(dataDir);
  const first = await openEmbeddedStore({ dataDir });
  let reached!: () => void;
  const thirdFile = new Promise<void>((resolve) => (reached = resolve));
  // the first instance hangs for good on its third file (a process that died mid-export)
  const stuck = withBlobHook(first, (id) => (id.endsWith('-2') ? (reached(), new Promise<void>(() => undefined)) : Promise.resolve()));
  const bulkA = bulkModule(config);
  const appA = app(stuck, bulkA);
  await put(appA, Array.from({ length: 23 }, (_, i) => patient(`p${String(i).padStart(2, '0')}`)));
  const kicked = await kickOff(appA, '$export?_type=Patient');
  expect(kicked.status).toBe(202);
  const statusUrl = kicked.headers['content-location'] as string;
  await thirdFile;
  const running = await request(appA).get(pathOf(statusUrl));
  expect(running.status).toBe(202);
  expect(running.headers['x-progress']).toMatch(/^10 resources exported/);
  await first.close();

  const second = await openEmbeddedStore({ dataDir });
  const bulkB = bulkModule(config);
  try {
    const appB = app(second, bulkB);
    bulkB.start(second, settings);
    const done = await poll(appB, statusUrl);
    expect(done.status).toBe(200);
    const manifest = JSON.parse(done.text) as Manifest;
    expect(manifest.error).toEqual([]);
    expect(manifest.output.map((f) => f.count)).toEqual([5, 5, 5, 5, 3]);
    expect(manifest.output.map((f) => new URL(f.url).pathname.split('/').pop())).toEqual(['0', '1', '2', '3', '4']);
    const ids = ((await downloadAll(appB, manifest)).get('Patient') ?? []).map((r) => r.id as string);
    expect(ids).toHaveLength(23);
    expect(new Set(ids).size).toBe(23);
  } finally {
    await bulkB.stop();
    await second.close();
  }
});

it('a job that fails ends with a manifest whose error file says so (no 5xx on the status URL)', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-bulk-fail-'));
  dirs.push(dataDir);
  const store = await openEmbeddedStore({ dataDir });
  let failures = 0;
  // the second output file fails once (the error file written next in its place succeeds)
  const failing = withBlobHook(store, async (id) => {
    if (id.endsWith('-1') && failures++ === 0) throw new Error('disk full');
  });
  const bulk = bulkModule(config);
  try {
    const server = app(failing, bulk);
    await put(server, Array.from({ length: 12 }, (_, i) => patient(`q${i}`)));
    const kicked = await kickOff(server, '$export?_type=Patient');
    const done = await poll(server, kicked.headers['content-location'] as string);
    expect(done.status).toBe(200);
    const manifest = JSON.parse(done.text) as Manifest;
    expect(manifest.output.map((f) => f.count)).toEqual([5]);
    expect(manifest.error).toHaveLength(1);
    const outcomes = (await downloadAll(server, { ...manifest, output: manifest.error })).get('OperationOutcome') ?? [];
    expect(JSON.stringify(outcomes)).toMatch(/failed on the server; the files listed are incomplete/);
    expect(JSON.stringify(outcomes)).not.toMatch(/disk full/);
  } finally {
    await bulk.stop();
    await store.close();
  }
});
