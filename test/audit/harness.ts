import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent } from 'fhir/r4';
import request from 'supertest';
import { createAuditModule, type AuditModule } from '../../src/audit';
import { createAuthModule } from '../../src/auth';
import { patientEverything } from '../../src/fhir/operations/everything';
import { validateOperation } from '../../src/fhir/operations/validate';
import type { ResourceDocument } from '../../src/fhir/resource-document';
import { ensureFhirCollections } from '../../src/fhir/repository/claims';
import { ensureStartupSearchIndexes } from '../../src/fhir/search/api';
import { createApp } from '../../src/http/app';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import type { DocumentStore } from '../../src/storage/port';
import { ADMIN_SECRET, type AuthServer } from '../auth/harness';
import { testSettings } from '../helpers/app';

export interface AuditedServer extends AuthServer {
  audit: AuditModule;
  dataDir: string;
}

/**
 * The app wired as src/compose.ts wires it with AUTH=on and AUDIT=on (auth module, audit
 * observer and /auth middleware, read-only AuditEvent), on a fresh embedded store.
 */
export async function startAuditedServer(options: { patientAccess?: boolean; dataDir?: string; durability?: 'ack' | 'async' } = {}): Promise<AuditedServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'telefhir-audit-'));
  const store = await openEmbeddedStore({ dataDir });
  const base = 'http://localhost:8080/fhir';
  const audit = createAuditModule({ store, baseUrl: base, patientAccess: options.patientAccess ?? false, durability: options.durability ?? 'ack' });
  const auth = await createAuthModule({ store, baseUrl: base, adminClientSecret: ADMIN_SECRET });
  await ensureFhirCollections(store);
  await ensureStartupSearchIndexes(store);
  const app = createApp({
    store,
    settings: { ...testSettings({ baseUrl: base }), readOnlyTypes: audit.readOnlyTypes },
    auth,
    operations: [patientEverything, validateOperation],
    ...audit.appDeps,
  });
  const token = await request(app)
    .post('/auth/token')
    .auth('admin', ADMIN_SECRET)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'telefhir/admin system/*.cruds' });
  if (token.status !== 200) throw new Error(`admin token: ${token.status}`);
  return {
    app,
    store,
    base,
    origin: 'http://localhost:8080',
    adminToken: token.body.access_token as string,
    audit,
    dataDir,
    close: async () => {
      audit.stop();
      await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every stored AuditEvent, oldest first (read from the store, so that reading them records nothing). */
export async function storedEvents(store: DocumentStore): Promise<AuditEvent[]> {
  const docs = await store.collection<ResourceDocument>('AuditEvent').find({}, { sort: { lastUpdatedMs: 1, _id: 1 } });
  return docs.map((d) => d.resource as AuditEvent);
}

/** The AuditEvents written while `action` ran. */
export async function eventsOf(store: DocumentStore, action: () => Promise<unknown>): Promise<AuditEvent[]> {
  const before = new Set((await storedEvents(store)).map((e) => e.id));
  await action();
  return (await storedEvents(store)).filter((e) => !before.has(e.id));
}

export const subtypeOf = (e: AuditEvent) => e.subtype?.[0]?.code;
export const entityRefs = (e: AuditEvent) => (e.entity ?? []).map((x) => x.what?.reference).filter((r): r is string => r !== undefined);
export const clientAgent = (e: AuditEvent) => e.agent.find((a) => a.type?.coding?.[0]?.code === '110153');
export const userAgent = (e: AuditEvent) => e.agent.find((a) => a.type?.coding?.[0]?.code === 'IRCP');
export const queryOf = (e: AuditEvent) => {
  const q = e.entity?.find((x) => x.query)?.query;
  return q ? Buffer.from(q, 'base64').toString('utf8') : undefined;
};
