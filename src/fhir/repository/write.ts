import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { DuplicateKeyError, type TxSession } from '../../storage/port';
import { assertResourceAccess, assertTypeAccess } from '../access/enforce';
import { badRequest, conflict, preconditionFailed } from '../outcome';
import type { FhirContext, WriteEvent } from '../request';
import type { ResourceDocument } from '../resource-document';
import { findMatches, indexResource } from '../search/api';
import { criteriaClaimKey, writeClaim } from './claims';
import { currentCollection, findCurrent, historyCollection, historyDocOf } from './documents';
import { newResourceId } from './ids';
import { prepareIncoming, stampMeta } from './prepare';
import { assertDocumentFits } from '../limits/document-size';

/**
 * Versioned writes, written once above the storage port. Each write stores the current document
 * and its history record atomically. Pass `session` to join a caller's transaction (batch /
 * transaction bundles); otherwise the write opens its own.
 */
export interface RepositoryWriteOptions {
  /** Defaults to ctx.session (a running transaction bundle). */
  session?: TxSession;
  /** create only: the id to use instead of a new one (transaction-assigned ids). */
  id?: string;
  /** Expected current version (If-Match): a mismatch is 412. */
  ifMatch?: number;
  /**
   * update only (If-None-Match, RFC 9110 §13.1.2): `*` → 412 when the resource exists (not deleted);
   * a list of versions → 412 when the current version is one of them.
   */
  ifNoneMatch?: '*' | number[];
  /** The version a read-modify-write (patch) started from: a concurrent change is 409. */
  baseVersion?: number;
  /**
   * create only (If-None-Exist): the search criteria, checked inside the create's transaction
   * under a uniqueness claim (claims.ts). A match is returned with `created: false`; several are 412.
   */
  ifNoneExist?: Array<[string, string]>;
}

export type LiveDocument = ResourceDocument & { resource: Resource };

export interface WriteResult {
  doc: LiveDocument;
  /** True when this write created the resource (or re-created a deleted one). */
  created: boolean;
  /** Validation warnings (or accepted errors in `warn` mode). */
  issues: OperationOutcomeIssue[];
}

/** Joins the caller's (or the running bundle's) transaction, or opens one. */
function inTransaction<R>(ctx: FhirContext, session: TxSession | undefined, work: (s: TxSession) => Promise<R>) {
  const joined = session ?? ctx.session;
  return joined ? work(joined) : ctx.store.withTransaction(work);
}

async function runHooks(hooks: FhirContext['beforeWrite'], event: WriteEvent, ctx: FhirContext) {
  for (const hook of hooks) await hook(event, ctx);
}

/** Before-write hooks run inside the write's transaction: their reads and claims join it. */
const joined = (ctx: FhirContext, session: TxSession): FhirContext => (ctx.session === session ? ctx : { ...ctx, session });

/** If-None-Exist inside the transaction: the one live match, or undefined after claiming the criteria. */
async function matchOrClaim(ctx: FhirContext, type: string, id: string, criteria: Array<[string, string]>, session: TxSession) {
  const matches = await findMatches(type, criteria, joined(ctx, session), 2);
  if (matches.length > 1) throw preconditionFailed(`Conditional create: the criteria match more than one ${type}`);
  const existing = matches[0];
  if (existing?.resource) return existing as LiveDocument;
  await writeClaim(ctx.store, criteriaClaimKey(type, criteria), type, id, session);
  return undefined;
}

function buildDocument(resource: Resource, id: string, versionId: number, at: Date): LiveDocument {
  const lastUpdated = at.toISOString();
  const stamped = stampMeta(resource, versionId, lastUpdated);
  const { idx, compartments } = indexResource(stamped);
  assertDocumentFits(stamped, idx);
  return { _id: id, versionId, lastUpdated, lastUpdatedMs: at.getTime(), deleted: false, resource: stamped, idx, compartments };
}

/** create: a new resource with a server-assigned id. */
export async function createResource(
  ctx: FhirContext,
  type: string,
  input: unknown,
  options: RepositoryWriteOptions = {},
): Promise<WriteResult> {
  assertTypeAccess(ctx.access, 'create', type);
  const id = options.id ?? newResourceId();
  const { resource, issues } = prepareIncoming(ctx, type, input, id);
  const { doc, created } = await inTransaction(ctx, options.session, async (session) => {
    if (options.ifNoneExist) {
      const existing = await matchOrClaim(ctx, type, id, options.ifNoneExist, session);
      if (existing) return { doc: existing, created: false };
    }
    const built = buildDocument(resource, id, 1, new Date());
    assertResourceAccess(ctx.access, 'create', type, built);
    const index = { idx: built.idx, compartments: built.compartments };
    await runHooks(ctx.beforeWrite, { interaction: 'create', resourceType: type, id, after: built.resource, afterIndex: index }, joined(ctx, session));
    await currentCollection(ctx, type).insertOne(built, { session });
    await historyCollection(ctx, type).insertOne(historyDocOf(built, 'POST'), { session });
    return { doc: built, created: true };
  });
  if (!created) return { doc, created, issues: [] };
  await runHooks(ctx.afterWrite, { interaction: 'create', resourceType: type, id, after: doc.resource }, ctx);
  return { doc, created, issues };
}

/** update (and the storing half of patch): create-on-update with the client's id is allowed. */
export async function updateResource(
  ctx: FhirContext,
  type: string,
  id: string,
  input: unknown,
  options: RepositoryWriteOptions & { interaction?: 'update' | 'patch' } = {},
): Promise<WriteResult> {
  const interaction = options.interaction ?? 'update';
  assertTypeAccess(ctx.access, interaction, type);
  const bodyId = (input as { id?: unknown } | null)?.id;
  if (input && typeof input === 'object' && bodyId !== id) {
    throw badRequest(
      bodyId === undefined ? `The resource has no id; it must be '${id}'` : `The resource id '${String(bodyId)}' does not match the URL id '${id}'`,
      [`${String((input as { resourceType?: unknown }).resourceType)}.id`],
    );
  }
  const { resource, issues } = prepareIncoming(ctx, type, input, id);
  const method = interaction === 'patch' ? 'PATCH' : 'PUT';
  const result = await inTransaction(ctx, options.session, async (session) => {
    const current = await findCurrent(ctx, type, id, session);
    if (options.ifMatch !== undefined && current?.versionId !== options.ifMatch) {
      throw preconditionFailed(
        `If-Match W/"${options.ifMatch}" does not match the current version of ${type}/${id}${current ? ` (W/"${current.versionId}")` : ' (none)'}`,
      );
    }
    if (options.baseVersion !== undefined && current?.versionId !== options.baseVersion) {
      throw conflict(`${type}/${id} was changed concurrently; retry`);
    }
    const live = current && !current.deleted && current.resource ? current : undefined;
    const noneMatch = options.ifNoneMatch;
    if (live && noneMatch && (noneMatch === '*' || noneMatch.includes(live.versionId))) {
      throw preconditionFailed(`If-None-Match ${noneMatch === '*' ? '*' : 'names the current version'}: ${type}/${id} already exists (W/"${live.versionId}")`);
    }
    if (live) assertResourceAccess(ctx.access, interaction, type, live);
    const built = buildDocument(resource, id, (current?.versionId ?? 0) + 1, new Date());
    assertResourceAccess(ctx.access, interaction, type, built);
    const afterIndex = { idx: built.idx, compartments: built.compartments };
    const event: WriteEvent = { interaction, resourceType: type, id, before: live?.resource, after: built.resource, afterIndex };
    await runHooks(ctx.beforeWrite, event, joined(ctx, session));
    await storeVersion(ctx, type, current, built, session, options.ifMatch !== undefined || noneMatch !== undefined);
    await historyCollection(ctx, type).insertOne(historyDocOf(built, method), { session });
    return { doc: built, created: !live, event };
  });
  await runHooks(ctx.afterWrite, result.event, ctx);
  return { doc: result.doc, created: result.created, issues };
}

/** Optimistic write of the next version: a concurrent writer makes it 409 (412 under If-Match / If-None-Match). */
async function storeVersion(
  ctx: FhirContext,
  type: string,
  current: ResourceDocument | null,
  next: ResourceDocument,
  session: TxSession,
  underIfMatch: boolean,
): Promise<void> {
  const lost = () =>
    underIfMatch
      ? preconditionFailed(`${type}/${next._id} was changed concurrently`)
      : conflict(`${type}/${next._id} was changed concurrently; retry`);
  const collection = currentCollection(ctx, type);
  if (current) {
    const { matchedCount } = await collection.replaceOne({ _id: next._id, versionId: current.versionId }, next, { session });
    if (matchedCount === 0) throw lost();
    return;
  }
  try {
    await collection.insertOne(next, { session });
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw lost();
    throw error;
  }
}

export interface DeleteResult {
  /** `deleted`: a new tombstone version; `missing`: never existed; `already`: already deleted. */
  outcome: 'deleted' | 'missing' | 'already';
  versionId?: number;
}

/** delete: a logical delete (tombstone version + history record). Deleting nothing is not an error. */
export async function deleteResource(
  ctx: FhirContext,
  type: string,
  id: string,
  options: RepositoryWriteOptions = {},
): Promise<DeleteResult> {
  assertTypeAccess(ctx.access, 'delete', type);
  const result = await inTransaction(ctx, options.session, async (session) => {
    const current = await findCurrent(ctx, type, id, session);
    if (options.ifMatch !== undefined && current?.versionId !== options.ifMatch) {
      throw preconditionFailed(`If-Match W/"${options.ifMatch}" does not match the current version of ${type}/${id}`);
    }
    if (!current) return { outcome: 'missing' as const };
    if (current.deleted || !current.resource) return { outcome: 'already' as const, versionId: current.versionId };
    assertResourceAccess(ctx.access, 'delete', type, current);
    const at = new Date();
    const tombstone: ResourceDocument = {
      _id: id,
      versionId: current.versionId + 1,
      lastUpdated: at.toISOString(),
      lastUpdatedMs: at.getTime(),
      deleted: true,
      idx: {},
      // kept so that compartment-restricted callers cannot probe for deleted resources of others
      compartments: current.compartments,
    };
    const event: WriteEvent = { interaction: 'delete', resourceType: type, id, before: current.resource };
    await runHooks(ctx.beforeWrite, event, joined(ctx, session));
    await storeVersion(ctx, type, current, tombstone, session, options.ifMatch !== undefined);
    await historyCollection(ctx, type).insertOne(historyDocOf(tombstone, 'DELETE'), { session });
    return { outcome: 'deleted' as const, versionId: tombstone.versionId, event };
  });
  if ('event' in result && result.event) await runHooks(ctx.afterWrite, result.event, ctx);
  return { outcome: result.outcome, versionId: result.versionId };
}
