import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { AuthModule } from '../../src/auth/api';
import type { FhirContext, FhirServices, FhirSettings } from '../../src/fhir/request';
import { createApp, requestListener } from '../../src/http/app';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import type { DocumentStore } from '../../src/storage/port';
import { subscriptionsModule, type SubscriptionSettings, type SubscriptionsModule } from '../../src/subscriptions';
import { telehealthModule } from '../../src/telehealth';
import { UNRESTRICTED } from '../../src/fhir/access/context';

/** Fast but not timing-fragile: tests wait for outcomes (waitFor), never for fixed delays. */
export const FAST: Partial<SubscriptionSettings> = { pollMs: 20, retryBaseMs: 20, retryMaxMs: 200, maxAttempts: 4, leaseMs: 2000, timeoutMs: 5000, allowPrivate: true };

export interface SubsServer {
  app: Express;
  url: string;
  baseUrl: string;
  store: DocumentStore;
  subscriptions: SubscriptionsModule;
  services: FhirServices;
  dataDir: string;
  /** A FHIR context for dispatch-level tests (e.g. with a SMART AccessContext). */
  ctx(over?: Partial<FhirContext>): FhirContext;
  /** Stops the worker and the server; `keepData` leaves the store's directory for a reopen. */
  close(keepData?: boolean): Promise<void>;
}

/** A real listening server (websocket upgrades included) with the telehealth and subscriptions modules. */
export async function startServer(
  settings: Partial<SubscriptionSettings> = {},
  dataDir?: string,
  wrapStore: (store: DocumentStore) => DocumentStore = (s) => s,
  /** AUTH=on: the SMART authorization server, built on the fresh store. */
  auth?: (store: DocumentStore, baseUrl: string) => Promise<AuthModule>,
): Promise<SubsServer> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'telefhir-subs-'));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = `${url}/fhir`;
  const store = wrapStore(await openEmbeddedStore({ dataDir: dir }));
  const subscriptions = subscriptionsModule(store, baseUrl, { ...FAST, ...settings });
  const telehealth = telehealthModule({});
  const fhirSettings: FhirSettings = { baseUrl, defaultPageSize: 20, maxPageSize: 1000, maxBundleEntries: 1000, validationMode: 'reject', restExtensions: subscriptions.restExtensions };
  const services: FhirServices = {
    store,
    settings: fhirSettings,
    operations: [...telehealth.operations, ...subscriptions.operations],
    beforeWrite: [...telehealth.beforeWrite, ...subscriptions.beforeWrite],
    afterWrite: [...telehealth.afterWrite, ...subscriptions.afterWrite],
  };
  const app = createApp({ ...services, rawRoutes: telehealth.binaryRoutes, ...(auth ? { auth: await auth(store, baseUrl) } : {}) });
  server.on('request', requestListener(app));
  subscriptions.attach(server);
  await subscriptions.start(services);
  let closed = false;
  return {
    app,
    url,
    baseUrl,
    store,
    subscriptions,
    services,
    dataDir: dir,
    ctx: (over = {}) => ({ ...services, access: UNRESTRICTED, requestId: 'test', ...over }),
    close: async (keepData = false) => {
      if (closed) return;
      closed = true;
      await subscriptions.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: string;
}

/** A webhook receiver on port 0; `failWith` makes it answer an error status. */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  failWith?: number;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = { url: '', port: 0, received, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.failWith) {
        res.statusCode = receiver.failWith;
        res.end();
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url ?? '' });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Polls `check` until it returns a value (not undefined/false), within a generous budget. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, budgetMs = 60_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function fhir(server: SubsServer, method: string, pathName: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.baseUrl}/${pathName}`, {
    method,
    headers: body === undefined ? { accept: 'application/fhir+json' } : { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Creates a Subscription and waits until the server made it active. */
export async function subscribe(server: SubsServer, subscription: Record<string, unknown>): Promise<string> {
  const created = await fhir(server, 'POST', 'Subscription', { resourceType: 'Subscription', status: 'requested', reason: 'test', ...subscription });
  if (created.status !== 201) throw new Error(`subscription refused: ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  await waitFor(async () => (await fhir(server, 'GET', `Subscription/${id}`)).body.status === 'active', `Subscription/${id} active`);
  return id;
}
