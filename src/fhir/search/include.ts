import type { Resource } from 'fhir/r4';
import { hasTypeAccess, searchRestriction } from '../access/enforce';
import { isResourceType } from '../definitions/resource-types';
import { searchParameters } from '../definitions/search-parameters';
import type { FhirContext } from '../request';
import type { ResourceDocument } from '../resource-document';
import { allOf } from './compile/cond';
import type { IncludeSpec } from './result-params';

/**
 * _include and _revinclude (search.html#include) for one page of matches. Every fetch ANDs the
 * caller's search restriction, and types the caller may not search are skipped, so includes
 * never widen what a token can see. `:iterate` specs are re-applied to what was just included.
 */
const MAX_ROUNDS = 4;
const LITERAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

type Doc = Pick<ResourceDocument, '_id' | 'idx'> & { resource?: Resource };

const keyOf = (doc: Doc) => `${doc.resource?.resourceType ?? ''}/${doc._id}`;

const canSearch = (ctx: FhirContext, type: string): boolean => hasTypeAccess(ctx.access, 'search', type);

function referenceParams(type: string, param: string): string[] {
  if (param !== '*') return [param];
  return [...searchParameters(type).values()].filter((d) => d.type === 'reference').map((d) => d.code);
}

async function fetchDocs(ctx: FhirContext, type: string, filter: Record<string, unknown>, limit: number): Promise<Doc[]> {
  if (!isResourceType(type) || !canSearch(ctx, type) || limit <= 0) return [];
  const restriction = searchRestriction(ctx.access, type);
  return (await ctx.store
    .collection(type)
    .find(allOf([{ deleted: false }, filter, restriction ?? {}]), { limit, sort: { _id: 1 }, session: ctx.session })) as unknown as Doc[];
}

async function forwardRound(ctx: FhirContext, from: Doc[], specs: IncludeSpec[], budget: number): Promise<Doc[]> {
  const wanted = new Map<string, Set<string>>();
  for (const doc of from) {
    const type = doc.resource?.resourceType;
    if (!type) continue;
    for (const spec of specs) {
      if (spec.sourceType !== '*' && spec.sourceType !== type) continue;
      for (const code of referenceParams(type, spec.param)) {
        for (const ref of (doc.idx[code] as string[] | undefined) ?? []) {
          const m = LITERAL.exec(ref);
          if (!m || (spec.targetType && m[1] !== spec.targetType)) continue;
          const ids = wanted.get(m[1] as string) ?? new Set<string>();
          ids.add(m[2] as string);
          wanted.set(m[1] as string, ids);
        }
      }
    }
  }
  const found: Doc[] = [];
  for (const [type, ids] of wanted) found.push(...(await fetchDocs(ctx, type, { _id: { $in: [...ids] } }, budget - found.length)));
  return found;
}

async function reverseRound(ctx: FhirContext, to: Doc[], specs: IncludeSpec[], budget: number): Promise<Doc[]> {
  const found: Doc[] = [];
  for (const spec of specs) {
    if (spec.sourceType === '*') continue;
    const refs = to
      .filter((d) => d.resource && (!spec.targetType || d.resource.resourceType === spec.targetType))
      .map((d) => `${d.resource?.resourceType}/${d._id}`);
    if (refs.length === 0) continue;
    for (const code of referenceParams(spec.sourceType, spec.param)) {
      found.push(...(await fetchDocs(ctx, spec.sourceType, { [`idx.${code}`]: { $in: refs } }, budget - found.length)));
    }
  }
  return found;
}

/**
 * The resources to add with search mode `include`, excluding the matches themselves: at most
 * `max` (SEARCH_max); `truncated` says some were left out, which the caller reports.
 */
export async function resolveIncludes(
  ctx: FhirContext,
  matches: Doc[],
  include: IncludeSpec[],
  revinclude: IncludeSpec[],
  max: number,
): Promise<{ docs: Doc[]; truncated: boolean }> {
  if (include.length === 0 && revinclude.length === 0) return { docs: [], truncated: false };
  let truncated = false;
  const seen = new Set(matches.map(keyOf));
  const result: Doc[] = [];
  let frontier = matches;
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0; round++) {
    const inc = round === 0 ? include : include.filter((s) => s.iterate);
    const rev = round === 0 ? revinclude : revinclude.filter((s) => s.iterate);
    if (inc.length === 0 && rev.length === 0) break;
    // one more than the room left, to know whether anything was left out
    const budget = max - result.length + 1;
    const batch = [...(await forwardRound(ctx, frontier, inc, budget)), ...(await reverseRound(ctx, frontier, rev, budget))];
    // let other clients run between rounds: each round can be a thousand documents
    await new Promise<void>((resolve) => setImmediate(resolve));
    const fresh: Doc[] = [];
    for (const doc of batch) {
      const key = keyOf(doc);
      if (seen.has(key)) continue;
      if (result.length >= max) {
        truncated = true;
        break;
      }
      seen.add(key);
      result.push(doc);
      fresh.push(doc);
    }
    frontier = fresh;
    if (truncated) break;
  }
  return { docs: result, truncated };
}
