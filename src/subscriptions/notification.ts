import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, FhirResource, Parameters, ParametersParameter, Resource } from 'fhir/r4';
import type { PayloadContent, RegistryRow, SubscriptionStatusCode } from './model';

/**
 * Backport IG notifications: a `history` Bundle whose first entry is the SubscriptionStatus
 * (a Parameters resource in R4, profile backport-subscription-status-r4), then one entry per
 * event focus: nothing (empty), its URL (id-only) or the resource (full-resource).
 */
export const STATUS_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export interface NotificationEvent {
  eventNumber: number;
  timestamp: string;
  focus?: { type: string; id: string; versionId: number };
  /** The focus at the event's version, when the content is full-resource and it may be sent. */
  resource?: Resource;
}

export function statusParameters(
  row: RegistryRow,
  baseUrl: string,
  type: NotificationType,
  events: NotificationEvent[],
  status: SubscriptionStatusCode = row.status,
  error?: string,
): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `${baseUrl}/Subscription/${row._id}` } },
    { name: 'topic', valueCanonical: row.topic ?? '' },
    { name: 'status', valueCode: status },
    { name: 'type', valueCode: type },
    { name: 'events-since-subscription-start', valueString: String(row.events) },
  ];
  for (const event of events) {
    const part: ParametersParameter[] = [
      { name: 'event-number', valueString: String(event.eventNumber) },
      { name: 'timestamp', valueInstant: event.timestamp },
    ];
    if (event.focus && row.channel.content !== 'empty') part.push({ name: 'focus', valueReference: { reference: `${baseUrl}/${event.focus.type}/${event.focus.id}` } });
    parameter.push({ name: 'notification-event', part });
  }
  if (error) parameter.push({ name: 'error', valueCodeableConcept: { text: error } });
  return { resourceType: 'Parameters', id: randomUUID(), meta: { profile: [STATUS_PROFILE] }, parameter };
}

function focusEntries(content: PayloadContent, baseUrl: string, events: NotificationEvent[]): BundleEntry[] {
  if (content === 'empty') return [];
  const entries: BundleEntry[] = [];
  for (const event of events) {
    if (!event.focus) continue;
    const url = `${event.focus.type}/${event.focus.id}`;
    const entry: BundleEntry = { fullUrl: `${baseUrl}/${url}` };
    if (content === 'full-resource' && event.resource) entry.resource = event.resource as FhirResource;
    entry.request = { method: event.focus.versionId > 1 ? 'PUT' : 'POST', url: event.focus.versionId > 1 ? url : event.focus.type };
    entry.response = { status: event.focus.versionId > 1 ? '200' : '201' };
    entries.push(entry);
  }
  return entries;
}

export function notificationBundle(
  row: RegistryRow,
  baseUrl: string,
  type: NotificationType,
  events: NotificationEvent[],
  status?: SubscriptionStatusCode,
): Bundle {
  const statusResource = statusParameters(row, baseUrl, type, events, status);
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${statusResource.id}`, resource: statusResource, request: { method: 'GET', url: `Subscription/${row._id}/$status` }, response: { status: '200' } },
      ...focusEntries(row.channel.content, baseUrl, events),
    ],
  };
}
