import type { Subscription } from 'fhir/r4';
import type { AccessContext } from '../fhir/access/context';
import { assertTypeAccess, hasTypeAccess, searchRestriction } from '../fhir/access/enforce';
import { conflict, forbidden } from '../fhir/outcome';
import type { AfterWriteHook, BeforeWriteHook, FhirContext, WriteEvent } from '../fhir/request';
import type { TxSession } from '../storage/port';
import { compileSubscriptionCriteria, matchDocumentOf, storedAccessOf } from './criteria';
import { OUTBOX, REGISTRY, type OutboxRow, type RegistryRow, type SubscriptionStatusCode } from './model';
import { parseSubscription, type ParsedSubscription } from './parse';
import type { Registry } from './registry';
import type { SubscriptionSettings } from './settings';
import { topicByUrl } from './topics';

/** The request id of the server's own Subscription updates (status changes by the worker), for logs. */
export const WORKER_REQUEST_ID = 'subscriptions-worker';

/**
 * The access of the worker's own Subscription updates. Recognised by identity, never by a value
 * a client could send (request ids come from X-Request-Id): only the worker may set `active` or
 * `error` without a new activation, and keep the subscriber's recorded access.
 */
export const WORKER_ACCESS: AccessContext = Object.freeze({ unrestricted: true, grants: [] }) as AccessContext;

export interface HookDeps {
  registry: Registry;
  settings: SubscriptionSettings;
  /** Called after a write that may have queued notifications (wakes the worker). */
  onQueued: () => void;
}

/**
 * beforeWrite: runs INSIDE the write's transaction (a transaction Bundle's too), so the registry
 * row of a Subscription and the outbox rows of a matching write commit or roll back with it.
 * Deletes notify nobody: criteria and topics are judged on the new version, and a deleted
 * resource has none (a deleted Subscription stops its notifications).
 */
export function subscriptionHooks(deps: HookDeps): { beforeWrite: BeforeWriteHook; afterWrite: AfterWriteHook } {
  const beforeWrite: BeforeWriteHook = async (event, ctx) => {
    if (event.resourceType === 'Subscription') return recordSubscription(event, ctx, deps);
    if (!event.after || !deps.registry.index.hasType(event.resourceType)) return;
    const doc = matchDocumentOf(event.after, event.afterIndex);
    for (const entry of deps.registry.index.matching(event.resourceType, doc)) {
      const topic = entry.row.topic ? topicByUrl(entry.row.topic) : undefined;
      if (entry.row.topic && !topic?.triggered(event)) continue;
      await enqueueEvent(ctx, entry.row._id, { type: event.resourceType, id: event.id, versionId: Number(event.after.meta?.versionId ?? 0) });
    }
  };
  const afterWrite: AfterWriteHook = async (event) => {
    if (event.resourceType === 'Subscription') await deps.registry.refreshOne(event.id);
    if (event.resourceType === 'Subscription' || deps.registry.index.hasType(event.resourceType)) deps.onQueued();
  };
  return { beforeWrite, afterWrite };
}

const sessionOf = (ctx: FhirContext): { session?: TxSession } => (ctx.session ? { session: ctx.session } : {});

/** Numbers the event (eventsSinceSubscriptionStart) and queues it, in the write's transaction. */
async function enqueueEvent(ctx: FhirContext, subscriptionId: string, focus: NonNullable<OutboxRow['focus']>): Promise<void> {
  const registry = ctx.store.collection<RegistryRow>(REGISTRY);
  const row = await registry.findOne({ _id: subscriptionId }, sessionOf(ctx));
  if (!row || row.status !== 'active') return;
  const events = row.events + 1;
  const { matchedCount } = await registry.replaceOne({ _id: subscriptionId, events: row.events }, { ...row, events }, sessionOf(ctx));
  if (matchedCount === 0) throw conflict('A subscription counter changed concurrently; retry');
  const now = Date.now();
  await ctx.store.collection<OutboxRow>(OUTBOX).insertOne(
    { _id: `${subscriptionId}:${events}`, subscriptionId, kind: 'event', seq: events, state: 'pending', dueMs: now, attempts: 0, version: 0, createdMs: now, focus },
    sessionOf(ctx),
  );
}

const sameDefinition = (a: RegistryRow, b: ParsedSubscription) =>
  JSON.stringify([a.kind, a.topic, a.filters, a.channel, a.secret ?? null]) === JSON.stringify([b.kind, b.topic, b.filters, b.channel, b.secret ?? null]);

async function recordSubscription(event: WriteEvent, ctx: FhirContext, deps: HookDeps): Promise<void> {
  const registry = ctx.store.collection<RegistryRow>(REGISTRY);
  if (!event.after) {
    await registry.deleteOne({ _id: event.id }, sessionOf(ctx));
    return;
  }
  const resource = event.after as Subscription;
  const parsed = parseSubscription(resource, deps.settings);
  const existing = await registry.findOne({ _id: event.id }, sessionOf(ctx));
  const byWorker = ctx.access === WORKER_ACCESS && existing !== null;
  const access = byWorker ? existing.access : storedAccessOf(ctx.access);
  if (!byWorker) parsed.filters = await checkSubscriberAccess(ctx, parsed);
  let status: SubscriptionStatusCode;
  if (byWorker) status = resource.status;
  else if (resource.status === 'off' || resource.status === 'error') status = resource.status;
  else status = existing?.status === 'active' && resource.status === 'active' && sameDefinition(existing, parsed) ? 'active' : 'requested';
  const now = Date.now();
  // the worker's own update keeps what the subscriber's access allowed (filters narrowed above)
  const filters = byWorker ? existing.filters : parsed.filters;
  const row: RegistryRow = { _id: event.id, ...parsed, filters, status, access, events: existing?.events ?? 0, updatedMs: now };
  await registry.replaceOne({ _id: event.id }, row, { upsert: true, ...sessionOf(ctx) });
  if (status === 'requested' && !byWorker) {
    const versionId = Number(resource.meta?.versionId ?? 0);
    await ctx.store.collection<OutboxRow>(OUTBOX).insertOne(
      { _id: `${event.id}:activate:${versionId}`, subscriptionId: event.id, kind: 'activate', seq: 0, state: 'pending', dueMs: now, attempts: 0, version: 0, createdMs: now },
      sessionOf(ctx),
    );
  }
}

/**
 * A subscriber may only subscribe to what it may search (and read, to receive resources): the
 * criteria are compiled with its own restriction ANDed in (criteria.ts), so a patient-scoped app
 * never hears of another patient's data.
 */
async function checkSubscriberAccess(ctx: FhirContext, parsed: ParsedSubscription): Promise<Record<string, string>> {
  const stored = storedAccessOf(ctx.access);
  const kept: Record<string, string> = {};
  for (const [type, query] of Object.entries(parsed.filters)) {
    // a topic's focus types the subscriber named no filter for are dropped when out of its scopes
    if (parsed.kind === 'topic' && query === '' && !hasTypeAccess(ctx.access, 'search', type)) continue;
    assertTypeAccess(ctx.access, 'search', type);
    if (parsed.channel.content === 'full-resource') assertTypeAccess(ctx.access, 'read', type);
    const restriction = searchRestriction(ctx.access, type);
    const ids = (restriction?._id as { $in?: unknown[] } | undefined)?.$in;
    if (Array.isArray(ids) && ids.length === 0) throw forbidden(`The access token reaches no ${type} to subscribe to`);
    await compileSubscriptionCriteria(ctx, type, query, stored);
    kept[type] = query;
  }
  if (Object.keys(kept).length === 0) throw forbidden('The access token reaches none of the resource types of this topic');
  return kept;
}
