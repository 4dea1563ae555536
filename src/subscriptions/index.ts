import type { Server } from 'node:http';
import type { Extension, Resource } from 'fhir/r4';
import { FhirError } from '../fhir/outcome';
import type { AfterWriteHook, BeforeWriteHook, FhirContext, FhirServices, OperationDefinitionRef } from '../fhir/request';
import { readVersion } from '../fhir/repository/read';
import { historyCollection } from '../fhir/repository/documents';
import type { DocumentStore } from '../storage/port';
import { WebsocketHub } from './channels/websocket';
import { accessOf } from './criteria';
import { subscriptionHooks, WORKER_ACCESS, WORKER_REQUEST_ID } from './hooks';
import { OUTBOX, OUTBOX_INDEXES, REGISTRY, REGISTRY_INDEXES, type OutboxRow, type RegistryRow } from './model';
import { subscriptionOperations } from './operations';
import { Outbox } from './outbox';
import { Registry } from './registry';
import { subscriptionSettings, type SubscriptionSettings } from './settings';
import { DeliveryWorker } from './worker';

export type { SubscriptionSettings } from './settings';
export { settingsFromConfig, subscriptionSettings } from './settings';
export { SIGNATURE_HEADER, signBody } from './channels/rest-hook';
export { TOPICS, TOPIC_BASE } from './topics';
export { subscriptionIndexSpecs } from './model';

/** The R4 core extension naming the websocket URL in the CapabilityStatement. */
export const WEBSOCKET_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket';

export interface SubscriptionsModule {
  operations: OperationDefinitionRef[];
  beforeWrite: BeforeWriteHook[];
  afterWrite: AfterWriteHook[];
  /** Extensions for the CapabilityStatement's rest entry (the websocket URL). */
  restExtensions: Extension[];
  /** Loads the active subscriptions, declares indexes and starts the delivery worker. */
  start(services: FhirServices): Promise<void>;
  /** Takes the websocket upgrades on the listening HTTP server. */
  attach(server: Server): void;
  /** Stops the worker (letting a running pass finish) and closes the sockets. */
  stop(): Promise<void>;
  /** Tests: one delivery pass now, whatever the timers say. */
  deliverNow(): Promise<void>;
}

/**
 * Subscriptions (R4 criteria + Subscriptions Backport IG topics), wired by one entry in
 * src/compose.ts. Reaches the FHIR layer through hooks and operations only.
 */
/** Where the worker reports its own failures (messages carry no patient data). */
export interface SubscriptionsLogger {
  warn(message: string): void;
}

export function subscriptionsModule(
  store: DocumentStore,
  baseUrl: string,
  over: Partial<SubscriptionSettings> = {},
  logger?: SubscriptionsLogger,
): SubscriptionsModule {
  const settings = subscriptionSettings(over);
  let services: FhirServices | undefined;
  const serverContext = (): FhirContext => {
    if (!services) throw new Error('subscriptions module not started');
    return { ...services, access: WORKER_ACCESS, requestId: WORKER_REQUEST_ID };
  };
  const registry = new Registry(store, serverContext);
  const outbox = new Outbox(store);
  const hub = new WebsocketHub(settings.websocketPath, async (id) => {
    const row = await store.collection<RegistryRow>(REGISTRY).findOne({ _id: id });
    return row?.channel.type === 'websocket' && row.status !== 'off';
  });
  const readFocus = async (row: OutboxRow, reg: RegistryRow): Promise<Resource | undefined> => {
    if (!row.focus) return undefined;
    const { type, id, versionId } = row.focus;
    // an unrestricted subscriber needs no access check: one history lookup (readVersion re-indexes the version)
    if (reg.access.unrestricted) return (await historyCollection({ store }, type).findOne({ _id: `${id}/${versionId}` }))?.resource;
    try {
      // under the subscriber's own access: a notification carries no more than it may read
      const ctx = { ...serverContext(), access: accessOf(reg.access) };
      return (await readVersion(ctx, row.focus.type, row.focus.id, row.focus.versionId)).resource;
    } catch (error) {
      if (error instanceof FhirError) return undefined;
      throw error;
    }
  };
  const onError = (message: string) => logger?.warn(message);
  const worker = new DeliveryWorker({ store, outbox, registry, settings, baseUrl, hub, readFocus, serverContext, onError });
  const hooks = subscriptionHooks({ registry, settings, onQueued: () => worker.kick() });
  const wsUrl = new URL(baseUrl).origin.replace(/^http/, 'ws') + settings.websocketPath;
  return {
    operations: subscriptionOperations(outbox),
    beforeWrite: [hooks.beforeWrite],
    afterWrite: [hooks.afterWrite],
    restExtensions: [{ url: WEBSOCKET_EXTENSION, valueUri: wsUrl }],
    async start(s) {
      services = s;
      await store.ensureCollections([REGISTRY, OUTBOX]);
      for (const spec of REGISTRY_INDEXES) await store.collection(REGISTRY).createIndex(spec);
      for (const spec of OUTBOX_INDEXES) await store.collection(OUTBOX).createIndex(spec);
      await registry.refreshAll();
      worker.start();
    },
    attach: (server) => hub.attach(server),
    async stop() {
      await worker.stop();
      hub.close();
    },
    deliverNow: () => worker.runOnce(),
  };
}
