import type { BundleLink, Observation } from 'fhir/r4';
import { assertResourceAccess } from '../access/enforce';
import { careRange } from '../bundle/care-date';
import { linkUrl, positiveInt, searchEntry, searchset, stringParameter } from '../bundle/searchset';
import { badRequest, FhirError } from '../outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../request';
import type { ResourceDocument } from '../resource-document';
import { findMatches } from '../search/api';

/**
 * Observation/$lastn (hl7.org/fhir/R4/observation-operation-lastn.html): the most recent `max`
 * Observations per code group, for a subject. The other parameters are ordinary Observation
 * search parameters, evaluated by the search engine.
 */

/** The most Observations a single $lastn call considers; beyond it the request is too costly (narrow it). */
export const LASTN_SCAN_LIMIT = 20_000;
/** Parameters that shape a search result rather than select Observations. */
const RESULT_PARAMETERS = new Set(['max', '_count', '_sort', '_format', '_pretty', '_summary', '_elements', '_total', '_include', '_revinclude']);

async function lastn(call: OperationCall, ctx: FhirContext) {
  const max = positiveInt(stringParameter(call.parameters, 'max'), 'max', 1);
  const query = searchQuery(call.parameters);
  const names = new Set(query.map(([name]) => name.split(':')[0] as string));
  if (!names.has('patient') && !names.has('subject')) {
    throw badRequest('$lastn needs a subject: the patient or subject parameter');
  }
  if (!names.has('category') && ![...names].some((name) => name.includes('code'))) {
    throw badRequest('$lastn needs a category parameter and/or a code parameter (e.g. code, code-value-concept)');
  }
  const docs = await findMatches('Observation', query, ctx, LASTN_SCAN_LIMIT + 1);
  if (docs.length > LASTN_SCAN_LIMIT) {
    throw new FhirError(413, `$lastn matched more than ${LASTN_SCAN_LIMIT} Observations; narrow it with code, category or date`);
  }
  const observations = readable(docs, ctx);
  const selected = latestPerGroup(observations, max);
  const { baseUrl } = ctx.settings;
  const link: BundleLink[] = [{ relation: 'self', url: linkUrl(baseUrl, 'Observation/$lastn', [['max', String(max)], ...query]) }];
  return { status: 200, body: searchset(selected.map((o) => searchEntry(baseUrl, o, 'match')), link, selected.length) };
}

function searchQuery(parameters: Map<string, unknown[]>): Array<[string, string]> {
  const query: Array<[string, string]> = [];
  for (const [name, values] of parameters) {
    if (RESULT_PARAMETERS.has(name)) continue;
    for (const value of values) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw badRequest(`Parameter ${name} must be a primitive search value`);
      }
      query.push([name, String(value)]);
    }
  }
  return query;
}

/** Defence in depth: the search engine restricts by scope; a document outside it is dropped here too. */
function readable(docs: ResourceDocument[], ctx: FhirContext): Observation[] {
  const result: Observation[] = [];
  for (const doc of docs) {
    if (!doc.resource || doc.deleted) continue;
    try {
      assertResourceAccess(ctx.access, 'search', 'Observation', doc);
    } catch (error) {
      if (error instanceof FhirError) continue;
      throw error;
    }
    result.push(doc.resource as Observation);
  }
  return result;
}

/**
 * Groups by Observation.code: codings equal when system and code are; text-only codes by their
 * text; translations (several codings) join groups transitively. Each group is sorted most
 * recent first and cut to `max`; groups come in the order of their first code key.
 */
export function latestPerGroup(observations: Observation[], max: number): Observation[] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    let node = key;
    while (node !== root) {
      const next = parent.get(node) as string;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const keysOf = observations.map(codeKeys);
  for (const keys of keysOf) {
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    const first = keys[0] as string;
    for (const key of keys.slice(1)) {
      const a = find(first);
      const b = find(key);
      if (a !== b) parent.set(b < a ? a : b, b < a ? b : a);
    }
  }
  const groups = new Map<string, Array<{ observation: Observation; time: number }>>();
  observations.forEach((observation, i) => {
    const root = find((keysOf[i] as string[])[0] as string);
    const list = groups.get(root) ?? [];
    list.push({ observation, time: effectiveTime(observation) });
    groups.set(root, list);
  });
  const result: Observation[] = [];
  for (const root of [...groups.keys()].sort()) {
    const list = groups.get(root) as Array<{ observation: Observation; time: number }>;
    list.sort((a, b) => b.time - a.time || (b.observation.meta?.lastUpdated ?? '').localeCompare(a.observation.meta?.lastUpdated ?? ''));
    for (const item of list.slice(0, max)) result.push(item.observation);
  }
  return result;
}

function codeKeys(observation: Observation): string[] {
  const keys: string[] = [];
  for (const coding of observation.code?.coding ?? []) {
    if (coding.code) keys.push(`c:${coding.system ?? ''}|${coding.code}`);
  }
  if (keys.length === 0) keys.push(`t:${observation.code?.text ?? ''}`);
  return keys;
}

/** The effective time (most recent end of it); Observations without one sort last. */
function effectiveTime(observation: Observation): number {
  const range = careRange(observation);
  if (range) return Number.isFinite(range.hi) ? range.hi : range.lo;
  return Number.NEGATIVE_INFINITY;
}

export const observationLastn: OperationDefinitionRef = {
  name: 'lastn',
  definition: 'http://hl7.org/fhir/OperationDefinition/Observation-lastn',
  resourceTypes: ['Observation'],
  system: false,
  type: true,
  instance: false,
  affectsState: false,
  documentation:
    'The most recent `max` (default 1) Observations per code for a patient or subject, filtered by category, code and any other Observation search parameter.',
  handler: lastn,
};
