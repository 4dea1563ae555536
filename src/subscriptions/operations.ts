import type { Resource } from 'fhir/r4';
import { positiveInt, stringParameter } from '../fhir/bundle/searchset';
import { badRequest, FhirError, notFound } from '../fhir/outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../fhir/request';
import { readResource, readVersion } from '../fhir/repository/read';
import { REGISTRY, type OutboxRow, type PayloadContent, type RegistryRow } from './model';
import { notificationBundle, statusParameters, type NotificationEvent } from './notification';
import type { Outbox } from './outbox';

/**
 * Backport IG operations on a Subscription the caller may read: `$status` (a searchset with the
 * SubscriptionStatus) and `$events` (the recorded events, as a `history` notification Bundle).
 */
const BACKPORT_OPS = 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition';
/** The most events one $events call returns. */
export const EVENTS_MAX = 100;

async function registryRowOf(ctx: FhirContext, id: string): Promise<RegistryRow> {
  await readResource(ctx, 'Subscription', id); // the caller's access to the Subscription itself
  const row = await ctx.store.collection<RegistryRow>(REGISTRY).findOne({ _id: id });
  if (!row) throw notFound(`Subscription/${id} has no status`);
  return row;
}

export function subscriptionOperations(outbox: Outbox): OperationDefinitionRef[] {
  const status: OperationDefinitionRef = {
    name: 'status',
    definition: `${BACKPORT_OPS}/backport-subscription-status`,
    resourceTypes: ['Subscription'],
    system: false,
    type: false,
    instance: true,
    affectsState: false,
    documentation: 'The SubscriptionStatus of this Subscription (Subscriptions Backport IG).',
    handler: async (call, ctx) => {
      const row = await registryRowOf(ctx, call.id as string);
      const parameters = statusParameters(row, ctx.settings.baseUrl, 'query-status', []);
      const body = {
        resourceType: 'Bundle' as const,
        type: 'searchset' as const,
        total: 1,
        entry: [{ fullUrl: `urn:uuid:${parameters.id}`, resource: parameters, search: { mode: 'match' as const } }],
      };
      return { status: 200, body };
    },
  };
  const events: OperationDefinitionRef = {
    name: 'events',
    definition: `${BACKPORT_OPS}/backport-subscription-events`,
    resourceTypes: ['Subscription'],
    system: false,
    type: false,
    instance: true,
    affectsState: false,
    documentation: `Recorded events of this Subscription by number (eventsSinceNumber, eventsUntilNumber, content); at most ${EVENTS_MAX} per call.`,
    handler: (call, ctx) => eventsHandler(call, ctx, outbox),
  };
  return [status, events];
}

async function eventsHandler(call: OperationCall, ctx: FhirContext, outbox: Outbox) {
  const row = await registryRowOf(ctx, call.id as string);
  const since = positiveInt(stringParameter(call.parameters, 'eventsSinceNumber'), 'eventsSinceNumber', 1);
  const until = positiveInt(stringParameter(call.parameters, 'eventsUntilNumber'), 'eventsUntilNumber', Math.max(row.events, 1));
  if (until < since) throw badRequest('eventsUntilNumber must not be below eventsSinceNumber');
  const content = (stringParameter(call.parameters, 'content') ?? row.channel.content) as PayloadContent;
  if (!['empty', 'id-only', 'full-resource'].includes(content)) throw badRequest(`Unknown content '${content}'`);
  const rows = (await outbox.events(row._id, since, until, EVENTS_MAX)).filter((r) => r.kind === 'event');
  const list: NotificationEvent[] = [];
  for (const r of rows) list.push(await eventOf(r, content, ctx));
  return { status: 200, body: notificationBundle({ ...row, channel: { ...row.channel, content } }, ctx.settings.baseUrl, 'query-event', list) };
}

/** An event, with the focus read under the CALLER's access (never more than it may read). */
async function eventOf(row: OutboxRow, content: PayloadContent, ctx: FhirContext): Promise<NotificationEvent> {
  const event: NotificationEvent = { eventNumber: row.seq, timestamp: new Date(row.createdMs).toISOString() };
  if (row.focus) event.focus = row.focus;
  if (content === 'full-resource' && row.focus) {
    try {
      event.resource = (await readVersion(ctx, row.focus.type, row.focus.id, row.focus.versionId)).resource as Resource;
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
    }
  }
  return event;
}
