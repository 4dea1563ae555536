import type { Resource } from 'fhir/r4';
import { dnsLookupChecked } from './channels/dns-check';
import { postNotification, DeliveryError } from './channels/rest-hook';
import type { WebsocketHub } from './channels/websocket';
import type { OutboxRow, RegistryRow } from './model';
import { notificationBundle, type NotificationEvent } from './notification';
import type { SubscriptionSettings } from './settings';

export interface DeliveryDeps {
  settings: SubscriptionSettings;
  baseUrl: string;
  hub?: WebsocketHub;
  /** The focus at the row's version as the subscriber may read it; undefined when it may not. */
  readFocus(row: OutboxRow, reg: RegistryRow): Promise<Resource | undefined>;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const FHIR_JSON = 'application/fhir+json';

/**
 * Sends one outbox row over the subscription's channel. Throws DeliveryError on failure (the
 * worker retries). Activation checks a rest-hook endpoint's addresses, and for topic-based
 * subscriptions sends the Backport handshake.
 */
export async function deliver(row: OutboxRow, reg: RegistryRow, deps: DeliveryDeps): Promise<void> {
  const { channel } = reg;
  if (row.kind === 'activate') {
    if (channel.type !== 'rest-hook' || !channel.endpoint) return;
    if (reg.kind === 'topic') return send(reg, json(notificationBundle(reg, deps.baseUrl, 'handshake', [], 'requested')), FHIR_JSON, deps);
    await dnsLookupChecked(channel.endpoint, deps.settings);
    return;
  }
  if (channel.type === 'websocket') {
    // live signal: nobody bound on this instance means nobody to tell (see README)
    deps.hub?.ping(reg._id);
    return;
  }
  const wantsResource = channel.content === 'full-resource';
  const resource = wantsResource ? await deps.readFocus(row, reg) : undefined;
  if (reg.kind === 'topic') {
    const event: NotificationEvent = { eventNumber: row.seq, timestamp: new Date(row.createdMs).toISOString() };
    if (row.focus) event.focus = row.focus;
    if (resource) event.resource = resource;
    return send(reg, json(notificationBundle(reg, deps.baseUrl, 'event-notification', [event])), FHIR_JSON, deps);
  }
  // R4: no payload → an empty POST; a payload → the resource itself
  if (channel.payload && resource) return send(reg, json(resource), channel.payload, deps);
  return send(reg, Buffer.alloc(0), undefined, deps);
}

async function send(reg: RegistryRow, body: Buffer, contentType: string | undefined, deps: DeliveryDeps): Promise<void> {
  const endpoint = reg.channel.endpoint;
  if (!endpoint) throw new DeliveryError('no endpoint');
  await postNotification({ endpoint, headers: reg.channel.headers, body, ...(contentType ? { contentType } : {}), ...(reg.secret ? { secret: reg.secret } : {}) }, deps.settings);
}

/** Sends a heartbeat (best effort, not queued). */
export async function sendHeartbeat(reg: RegistryRow, deps: DeliveryDeps): Promise<void> {
  await send(reg, json(notificationBundle(reg, deps.baseUrl, 'heartbeat', [])), FHIR_JSON, deps);
}
