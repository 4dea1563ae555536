import type { Resource } from 'fhir/r4';
import type { DocumentCollection, TxSession } from '../../storage/port';
import { gone, notFound } from '../outcome';
import type { FhirContext } from '../request';
import { historyCollectionName, type HistoryDocument, type ResourceDocument } from '../resource-document';

/** Typed handles on the current and history collections of a resource type. */
export const currentCollection = (ctx: Pick<FhirContext, 'store'>, type: string): DocumentCollection<ResourceDocument> =>
  ctx.store.collection<ResourceDocument>(type);

export const historyCollection = (ctx: Pick<FhirContext, 'store'>, type: string): DocumentCollection<HistoryDocument> =>
  ctx.store.collection<HistoryDocument>(historyCollectionName(type));

/** The current document of `type/id` (tombstones included), or null. */
export function findCurrent(
  ctx: Pick<FhirContext, 'store'>,
  type: string,
  id: string,
  session?: TxSession,
): Promise<ResourceDocument | null> {
  return currentCollection(ctx, type).findOne({ _id: id }, { session });
}

/** findCurrent without the search index entries (the largest part of a document), for reads. */
export async function findCurrentForRead(
  ctx: Pick<FhirContext, 'store'>,
  type: string,
  id: string,
  session?: TxSession,
): Promise<ResourceDocument | null> {
  const doc = await currentCollection(ctx, type).findOne({ _id: id }, { session, projection: { idx: 0 } });
  return doc ? { ...doc, idx: {} } : null;
}

/** Throws 404 when `doc` is missing, 410 when it is a delete tombstone. */
export function assertLive(doc: ResourceDocument | null, type: string, id: string): asserts doc is ResourceDocument & { resource: Resource } {
  if (!doc) throw notFound(`Resource ${type}/${id} is not known`);
  if (doc.deleted || !doc.resource) throw gone(`Resource ${type}/${id} was deleted (version ${doc.versionId})`);
}

/** The immutable history record of one version. */
export function historyDocOf(doc: ResourceDocument, method: HistoryDocument['method']): HistoryDocument {
  const history: HistoryDocument = {
    _id: `${doc._id}/${doc.versionId}`,
    id: doc._id,
    versionId: doc.versionId,
    lastUpdated: doc.lastUpdated,
    lastUpdatedMs: doc.lastUpdatedMs,
    deleted: doc.deleted,
    method,
  };
  if (doc.resource) history.resource = doc.resource;
  return history;
}
