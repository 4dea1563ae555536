import type { Bundle, BundleEntry, BundleLink, FhirResource } from 'fhir/r4';
import type { Filter } from '../../storage/port';
import { assertResourceAccess, assertTypeAccess } from '../access/enforce';
import { isResourceType } from '../definitions/resource-types';
import { badRequest, notFound } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import type { HistoryDocument } from '../resource-document';
import { findCurrent, historyCollection } from '../repository/documents';
import { etagOf } from '../repository/ids';
import { ensureHistoryIndexes, indexResource } from '../search/api';
import { compareNewestFirst, cursorFilter, decodeCursor, encodeCursor, sortFor, type HistoryCursor } from './history-cursor';

/** history: instance (`[type]/[id]/_history`), type (`[type]/_history`) and system (`_history`). */
export interface HistoryScope {
  type?: string;
  id?: string;
}

interface Version {
  type: string;
  doc: HistoryDocument;
  ms: number;
  key: string;
}

const HISTORY_SUFFIX = '_history';

export async function history(req: FhirRequest, ctx: FhirContext, scope: HistoryScope): Promise<FhirResponse> {
  const params = parseParams(req, ctx);
  const types = await typesInScope(ctx, scope);
  if (scope.type && scope.id) {
    const current = await findCurrent(ctx, scope.type, scope.id, ctx.session);
    if (!current) throw notFound(`Resource ${scope.type}/${scope.id} is not known`);
    assertResourceAccess(ctx.access, 'history', scope.type, current);
  }
  // Not inside a transaction: an index build must not wait on (or for) the running transaction.
  if (!ctx.session) for (const type of types) await ensureHistoryIndexes(ctx.store, type);
  const baseFilter: Filter = {};
  if (scope.id) baseFilter.id = scope.id;
  if (params.since !== undefined) baseFilter.lastUpdatedMs = { $gte: params.since };

  const dir = params.cursor?.dir ?? 'n';
  const fetched: Version[] = [];
  for (const type of types) {
    const filter = params.cursor ? { $and: [baseFilter, cursorFilter(type, params.cursor)] } : baseFilter;
    const docs = await historyCollection(ctx, type).find(filter, {
      sort: sortFor(dir),
      limit: params.count + 1,
      session: ctx.session,
    });
    for (const doc of docs) fetched.push({ type, doc, ms: doc.lastUpdatedMs, key: `${type}/${doc._id}` });
  }
  fetched.sort(dir === 'n' ? compareNewestFirst : (a, b) => compareNewestFirst(b, a));
  const more = fetched.length > params.count;
  const page = fetched.slice(0, params.count);
  if (dir === 'p') page.reverse();

  const bundle: Bundle = { resourceType: 'Bundle', type: 'history' };
  if (scope.type) bundle.total = await historyTotal(ctx, scope.type, baseFilter);
  bundle.link = links(req, ctx, params, page, { more, dir });
  bundle.entry = page.filter((v) => visible(ctx, v)).map((v) => entryOf(ctx, v));
  return { status: 200, body: bundle };
}

/**
 * Bundle.total of instance and type history (R4 makes it optional for history; system history
 * has none). Instance history and `_since` count on the `id_time` / `time` index ranges; a whole
 * type history is append-only, so its size is the collection's metadata count
 * (estimatedDocumentCount) instead of a count of every version on every page.
 */
async function historyTotal(ctx: FhirContext, type: string, filter: Filter): Promise<number> {
  const collection = historyCollection(ctx, type);
  if (Object.keys(filter).length === 0 && !ctx.session) return collection.estimatedDocumentCount();
  return collection.countDocuments(filter, { session: ctx.session });
}

async function typesInScope(ctx: FhirContext, scope: HistoryScope): Promise<string[]> {
  if (scope.type) {
    assertTypeAccess(ctx.access, 'history', scope.type);
    return [scope.type];
  }
  const names = await ctx.store.listCollections();
  const types = names
    .filter((n) => n.endsWith(HISTORY_SUFFIX))
    .map((n) => n.slice(0, -HISTORY_SUFFIX.length))
    .filter((t) => isResourceType(t));
  if (ctx.access.unrestricted) return types;
  return types.filter((type) => {
    try {
      assertTypeAccess(ctx.access, 'history', type);
      return true;
    } catch {
      return false;
    }
  });
}

/** Restricted callers see only the versions that their scopes would let them read. */
function visible(ctx: FhirContext, version: Version): boolean {
  if (ctx.access.unrestricted) return true;
  const { doc } = version;
  try {
    const indexed = doc.resource ? indexResource(doc.resource) : { idx: {}, compartments: [] };
    assertResourceAccess(ctx.access, 'history', version.type, { resource: doc.resource, ...indexed });
    return true;
  } catch {
    return false;
  }
}

function entryOf(ctx: FhirContext, { type, doc }: Version): BundleEntry {
  const status = doc.deleted ? '204 No Content' : doc.versionId === 1 || doc.method === 'POST' ? '201 Created' : '200 OK';
  const entry: BundleEntry = { fullUrl: `${ctx.settings.baseUrl}/${type}/${doc.id}` };
  if (doc.resource && !doc.deleted) entry.resource = doc.resource as FhirResource;
  entry.request = { method: doc.method, url: doc.method === 'POST' ? type : `${type}/${doc.id}` };
  entry.response = { status, etag: etagOf(doc.versionId), lastModified: doc.lastUpdated };
  return entry;
}

interface HistoryParams {
  count: number;
  since?: number;
  cursor?: HistoryCursor;
  /** The request's own parameters minus paging, replayed in links. */
  keep: Array<[string, string]>;
}

function parseParams(req: FhirRequest, ctx: FhirContext): HistoryParams {
  const params: HistoryParams = { count: ctx.settings.defaultPageSize, keep: [] };
  for (const [name, value] of req.query) {
    switch (name) {
      case '_count': {
        if (!/^\d{1,9}$/.test(value)) throw badRequest(`_count must be a non-negative integer, not '${value}'`);
        params.count = Math.min(Number(value), ctx.settings.maxPageSize);
        break;
      }
      case '_since': {
        const ms = Date.parse(value);
        if (!/^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(value) || Number.isNaN(ms)) {
          throw badRequest(`_since must be a FHIR instant, not '${value}'`);
        }
        params.since = ms;
        params.keep.push([name, value]);
        break;
      }
      case '_cursor':
        params.cursor = decodeCursor(value);
        break;
      case '_at':
        throw badRequest('_at is not supported on history; use _since');
      default:
        if (name === '_format' || name === '_pretty') params.keep.push([name, value]);
    }
  }
  return params;
}

function links(
  req: FhirRequest,
  ctx: FhirContext,
  params: HistoryParams,
  page: Version[],
  state: { more: boolean; dir: 'n' | 'p' },
): BundleLink[] {
  const base = `${ctx.settings.baseUrl}/${req.path}`;
  const url = (cursor?: HistoryCursor) => {
    const query = new URLSearchParams([...params.keep, ['_count', String(params.count)]]);
    if (cursor) query.set('_cursor', encodeCursor(cursor));
    return `${base}?${query.toString()}`;
  };
  const result: BundleLink[] = [{ relation: 'self', url: url(params.cursor) }];
  const first = page[0];
  const last = page[page.length - 1];
  const hasNext = state.dir === 'n' ? state.more : params.cursor !== undefined;
  const hasPrevious = state.dir === 'n' ? params.cursor !== undefined : state.more;
  if (hasNext && last) result.push({ relation: 'next', url: url({ ms: last.ms, key: last.key, dir: 'n' }) });
  if (hasPrevious && first) result.push({ relation: 'previous', url: url({ ms: first.ms, key: first.key, dir: 'p' }) });
  return result;
}
