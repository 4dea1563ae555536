import type { Resource } from 'fhir/r4';
import type { TxSession } from '../../storage/port';
import { assertResourceAccess, assertTypeAccess, type AccessInteraction } from '../access/enforce';
import { gone, notFound } from '../outcome';
import type { FhirContext } from '../request';
import type { HistoryDocument } from '../resource-document';
import { indexResource } from '../search/api';
import { assertLive, findCurrent, findCurrentForRead, historyCollection } from './documents';
import { withSecurityContext } from './security-context';
import type { LiveDocument } from './write';

/** read: the current version, access-checked; 404 when unknown, 410 when deleted. */
export async function readResource(
  ctx: FhirContext,
  type: string,
  id: string,
  options: { session?: TxSession; interaction?: AccessInteraction } = {},
): Promise<LiveDocument> {
  const interaction = options.interaction ?? 'read';
  assertTypeAccess(ctx.access, interaction, type);
  // granular scopes are checked against the index entries; every other read can skip copying them
  const needsIndex = !ctx.access.unrestricted && ctx.access.grants.some((grant) => grant.constraints && grant.constraints.length > 0);
  const doc = await (needsIndex ? findCurrent : findCurrentForRead)(ctx, type, id, options.session ?? ctx.session);
  if (doc) assertResourceAccess(ctx.access, interaction, type, await withSecurityContext(ctx, type, doc, options.session ?? ctx.session));
  assertLive(doc, type, id);
  return doc;
}

/** vread: one version; 404 when unknown, 410 when that version is a delete. */
export async function readVersion(
  ctx: FhirContext,
  type: string,
  id: string,
  versionId: number,
  session: TxSession | undefined = ctx.session,
): Promise<HistoryDocument & { resource: Resource }> {
  assertTypeAccess(ctx.access, 'vread', type);
  const doc = await historyCollection(ctx, type).findOne({ _id: `${id}/${versionId}` }, { session });
  if (!doc) throw notFound(`Version ${versionId} of ${type}/${id} is not known`);
  // a version is judged by its own content; a deletion by the compartments the resource had
  const indexed = doc.resource ? indexResource(doc.resource) : await findCurrent(ctx, type, id, session);
  const judged = { resource: doc.resource, compartments: indexed?.compartments ?? [], idx: indexed?.idx ?? {} };
  assertResourceAccess(ctx.access, 'vread', type, await withSecurityContext(ctx, type, judged, session));
  if (doc.deleted || !doc.resource) throw gone(`Version ${versionId} of ${type}/${id} is a deletion`);
  return doc as HistoryDocument & { resource: Resource };
}
