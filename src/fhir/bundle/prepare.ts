import type { FhirContext } from '../request';
import { resolveConditionalReference } from './conditional';
import type { PlannedEntry } from './parse';
import { fullUrlBase, rewriteLinks, rewriteQuery, type ReferenceMap } from './references';

/**
 * Readies one entry just before it runs: placeholders in its resource and url become the ids
 * assigned or resolved so far, and conditional references (`Patient?identifier=…`) are resolved.
 */
export async function prepareEntry(
  entry: PlannedEntry,
  map: ReferenceMap,
  ctx: FhirContext,
  cache: Map<string, string>,
  rewritePlaceholders: boolean,
): Promise<void> {
  const effective: ReferenceMap = rewritePlaceholders ? map : EMPTY;
  if (rewritePlaceholders) rewriteQuery(entry.request.query, map);
  const body = entry.request.body;
  if (typeof body !== 'object' || body === null) return;
  const conditionals = rewriteLinks(body, effective, fullUrlBase(entry.fullUrl));
  for (const found of conditionals) {
    found.holder[found.key] = await resolveConditionalReference(found.value, effective, ctx, cache);
  }
}

const EMPTY: ReferenceMap = new Map();
