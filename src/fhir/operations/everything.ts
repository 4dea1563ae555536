import type { BundleEntry, BundleLink, Resource } from 'fhir/r4';
import type { Filter } from '../../storage/port';
import { assertTypeAccess, NAMED_SCOPE_ONLY_TYPES, searchRestriction } from '../access/enforce';
import { careRange, dateRange, type CareRange } from '../bundle/care-date';
import { collectReferences, linkUrl, positiveInt, searchEntry, searchset, stringParameter, stringParameters } from '../bundle/searchset';
import { readDefinitionFile } from '../definitions/files';
import { isResourceType } from '../definitions/resource-types';
import { badRequest, FhirError } from '../outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../request';
import type { ResourceDocument } from '../resource-document';

/**
 * Patient/[id]/$everything (hl7.org/fhir/R4/patient-operation-everything.html): the patient, every
 * current resource of its patient compartment (documents whose `compartments` hold `Patient/id`),
 * and the Practitioner/Organization/Device/Location/Medication resources they reference.
 * Paging is keyset-based on (resource type, id), so links keep working while data changes.
 */
const INCLUDED_TYPES: ReadonlySet<string> = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Device', 'Location', 'Medication']);
const SCAN_BATCH = 200;

interface Cursor {
  t: string;
  i: string;
}

let compartmentTypes: readonly string[] | undefined;

/** Patient first, then the other member types of the patient CompartmentDefinition, alphabetically. */
function patientCompartmentTypes(): readonly string[] {
  if (!compartmentTypes) {
    const definition = readDefinitionFile<{ resource?: Array<{ code: string; param?: string[] }> }>('compartmentdefinition-patient.json');
    // the patient's record, not the server's security record about it (AuditEvent)
    const members = (definition.resource ?? [])
      .filter((r) => (r.param?.length ?? 0) > 0 && r.code !== 'Patient' && !NAMED_SCOPE_ONLY_TYPES.has(r.code))
      .map((r) => r.code);
    compartmentTypes = Object.freeze(['Patient', ...members.sort()]);
  }
  return compartmentTypes;
}

async function everything(call: OperationCall, ctx: FhirContext) {
  const id = call.id;
  if (!id) throw badRequest('$everything is supported on one patient: Patient/[id]/$everything');
  const p = call.parameters;
  const { baseUrl, defaultPageSize, maxPageSize } = ctx.settings;
  const count = positiveInt(stringParameter(p, '_count'), '_count', defaultPageSize, maxPageSize);
  const since = instantParameter(stringParameter(p, '_since'), '_since');
  const start = dateParameter(stringParameter(p, 'start'), 'start');
  const end = dateParameter(stringParameter(p, 'end'), 'end');
  const cursor = decodeCursor(stringParameter(p, '_cursor'));
  const types = selectTypes(stringParameters(p, '_type'));

  const patientRef = `Patient/${id}`;
  const page: Resource[] = [];
  let last: Cursor | undefined;
  let more = false;
  const startIndex = cursor ? types.indexOf(cursor.t) : 0;
  outer: for (let t = Math.max(startIndex, 0); t < types.length; t++) {
    const type = types[t] as string;
    const restriction = readableRestriction(ctx, type);
    if (restriction === false) continue;
    const clauses: Filter[] = [{ deleted: false }];
    clauses.push(type === 'Patient' ? { $or: [{ _id: id }, { compartments: patientRef }] } : { compartments: patientRef });
    if (since !== undefined) clauses.push({ lastUpdatedMs: { $gte: since } });
    if (restriction) clauses.push(restriction);
    let after = cursor && cursor.t === type ? cursor.i : undefined;
    for (;;) {
      const filter: Filter = { $and: after === undefined ? clauses : [...clauses, { _id: { $gt: after } }] };
      const docs = await ctx.store
        .collection<ResourceDocument>(type)
        .find(filter, { sort: { _id: 1 }, limit: SCAN_BATCH, projection: { _id: 1, resource: 1 }, session: ctx.session });
      for (const doc of docs) {
        after = doc._id;
        if (!doc.resource || !inCareWindow(doc.resource, start, end)) continue;
        if (page.length === count) {
          more = true;
          break outer;
        }
        page.push(doc.resource);
        last = { t: type, i: doc._id };
      }
      if (docs.length < SCAN_BATCH) break;
    }
  }

  const entries: BundleEntry[] = page.map((resource) => searchEntry(baseUrl, resource, 'match'));
  for (const resource of await referencedResources(page, ctx)) entries.push(searchEntry(baseUrl, resource, 'include'));

  const path = `Patient/${id}/$everything`;
  const kept = keptParameters(p);
  const link: BundleLink[] = [{ relation: 'self', url: linkUrl(baseUrl, path, cursor ? [...kept, ['_cursor', encodeCursor(cursor)]] : kept) }];
  if (more && last) link.push({ relation: 'next', url: linkUrl(baseUrl, path, [...kept, ['_cursor', encodeCursor(last)]]) });
  return { status: 200, body: searchset(entries, link) };
}

/** The compartment member types asked for (`_type`), Patient first. */
function selectTypes(requested: string[]): readonly string[] {
  const all = patientCompartmentTypes();
  if (requested.length === 0) return all;
  const wanted = new Set<string>();
  for (const value of requested) {
    for (const name of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!isResourceType(name)) throw badRequest(`_type: unknown resource type '${name}'`);
      wanted.add(name);
    }
  }
  return all.filter((type) => wanted.has(type));
}

/** The access filter for `type`; false when the caller may not read that type at all. */
function readableRestriction(ctx: FhirContext, type: string): Filter | null | false {
  try {
    assertTypeAccess(ctx.access, 'search', type);
  } catch (error) {
    if (error instanceof FhirError && (error.status === 403 || error.status === 401)) return false;
    throw error;
  }
  return searchRestriction(ctx.access, type);
}

/** Resources referenced from the page that give it context (who, where, what), one query per type. */
async function referencedResources(page: Resource[], ctx: FhirContext): Promise<Resource[]> {
  const references = new Set<string>();
  for (const resource of page) collectReferences(resource, references);
  const present = new Set(page.map((r) => `${r.resourceType}/${r.id}`));
  const byType = new Map<string, string[]>();
  for (const reference of references) {
    if (present.has(reference)) continue;
    const [type, id] = reference.split('/') as [string, string];
    if (!INCLUDED_TYPES.has(type)) continue;
    const ids = byType.get(type) ?? [];
    ids.push(id);
    byType.set(type, ids);
  }
  const result: Resource[] = [];
  for (const [type, ids] of byType) {
    const restriction = readableRestriction(ctx, type);
    if (restriction === false) continue;
    const filter: Filter = { _id: { $in: ids }, deleted: false };
    const docs = await ctx.store
      .collection<ResourceDocument>(type)
      .find(restriction ? { $and: [filter, restriction] } : filter, { sort: { _id: 1 }, projection: { _id: 1, resource: 1 }, session: ctx.session });
    for (const doc of docs) if (doc.resource) result.push(doc.resource);
  }
  return result;
}

/** start/end select care dates; resources without a care date (e.g. the Patient) always stay. */
function inCareWindow(resource: Resource, start: CareRange | undefined, end: CareRange | undefined): boolean {
  if (!start && !end) return true;
  const range = careRange(resource);
  if (!range) return true;
  if (start && range.hi < start.lo) return false;
  if (end && range.lo > end.hi) return false;
  return true;
}

function dateParameter(value: string | undefined, name: string): CareRange | undefined {
  if (value === undefined) return undefined;
  const range = dateRange(value);
  if (!range) throw badRequest(`Parameter ${name} must be a FHIR date, not '${value}'`);
  return range;
}

function instantParameter(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const range = dateRange(value);
  if (!range) throw badRequest(`Parameter ${name} must be an instant, not '${value}'`);
  return range.lo;
}

function keptParameters(p: Map<string, unknown[]>): Array<[string, string]> {
  const kept: Array<[string, string]> = [];
  for (const name of ['_count', '_since', '_type', 'start', 'end']) {
    for (const value of stringParameters(p, name)) kept.push([name, value]);
  }
  return kept;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof parsed.t === 'string' && typeof parsed.i === 'string' && patientCompartmentTypes().includes(parsed.t)) {
      return { t: parsed.t, i: parsed.i };
    }
  } catch {
    // fall through: a tampered or truncated cursor is the client's error
  }
  throw badRequest('Invalid _cursor paging parameter');
}

export const patientEverything: OperationDefinitionRef = {
  name: 'everything',
  definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
  resourceTypes: ['Patient'],
  system: false,
  type: false,
  instance: true,
  affectsState: false,
  documentation:
    'The patient, every resource of its patient compartment and the practitioners, organizations, devices, locations and medications they reference. Parameters: _since, _type, _count (paging with next links), start, end.',
  handler: everything,
};
