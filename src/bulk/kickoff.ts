import { randomBytes } from 'node:crypto';
import type { Group } from 'fhir/r4';
import { FhirError, issue } from '../fhir/outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../fhir/request';
import { readResource } from '../fhir/repository/read';
import { clientKeyOf, storeAccess } from './access';
import type { BulkConfig } from './config';
import { ensureJobIndexes, jobsCollection, UNFINISHED, type ExportJob, type ExportLevel } from './job';
import { parseExportParams, preferences, type ExportParams } from './params';
import { exportTypes, typeFilterOf } from './population';

export const EXPORT_DEFINITION = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export';
export const PATIENT_EXPORT_DEFINITION = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export';
export const GROUP_EXPORT_DEFINITION = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export';

/** The most Group members an export resolves (their ids are kept with the job). */
const MAX_GROUP_MEMBERS = 100_000;

export const statusUrl = (ctx: FhirContext, id: string) => `${ctx.settings.baseUrl}/$export-poll-status/${id}`;

/**
 * Kick-off (export.html#bulk-data-kick-off-request): validates the request, resolves what will
 * be exported, stores a queued job and answers 202 with the status URL in Content-Location.
 */
async function kickOff(call: OperationCall, ctx: FhirContext, level: ExportLevel, config: BulkConfig, queued: (ctx: FhirContext) => void) {
  const prefer = preferences(call.request);
  if (!prefer.async) throw new FhirError(400, [issue('error', 'invalid', '$export is asynchronous: send the header Prefer: respond-async')]);
  const params = parseExportParams(call.parameters, prefer.lenient, level);
  await ensureJobIndexes(ctx.store);
  const clientKey = clientKeyOf(ctx.access);
  const active = await jobsCollection(ctx.store).countDocuments({ clientKey, status: { $in: UNFINISHED } });
  if (active >= config.maxJobsPerClient) {
    throw new FhirError(429, [issue('error', 'throttled', `At most ${config.maxJobsPerClient} exports may run at a time per client: wait for one to finish or cancel one`)], {
      'Retry-After': String(config.retryAfterSeconds * 5),
    });
  }
  const patients = level === 'group' ? await groupMembers(ctx, call.id as string, params.patients) : params.patients;
  const types = await exportTypes(ctx, level, params.types);
  const typeFilters = await checkedTypeFilters(params, types, ctx);
  const now = Date.now();
  const job: ExportJob = {
    _id: randomBytes(12).toString('hex'),
    rev: 0,
    status: 'queued',
    level,
    request: requestUrl(ctx, call),
    types,
    typeFilters,
    ...(patients ? { patients } : {}),
    ...(params.sinceMs !== undefined ? { sinceMs: params.sinceMs } : {}),
    ...(params.elements ? { elements: params.elements } : {}),
    transactionTimeMs: now,
    clientKey,
    access: storeAccess(ctx.access),
    requiresAccessToken: !ctx.access.unrestricted,
    createdAtMs: now,
    leaseUntil: 0,
    attempts: 0,
    progress: { typeIndex: 0, nextSeq: 0, exported: 0 },
    output: [],
    error: [],
    issues: params.issues.map((i) => ({ severity: i.severity === 'fatal' ? 'error' : i.severity, code: i.code, diagnostics: i.diagnostics ?? '' })),
  };
  await jobsCollection(ctx.store).insertOne(job);
  queued(ctx);
  return { status: 202, headers: { 'Content-Location': statusUrl(ctx, job._id) } };
}

/** Compiles every `_typeFilter` once now, so that a bad query is a 400 at kick-off, not a failed job. */
async function checkedTypeFilters(params: ExportParams, types: string[], ctx: FhirContext): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [type, queries] of params.typeFilters) {
    if (!types.includes(type)) {
      params.issues.push(issue('information', 'informational', `_typeFilter on ${type} ignored: ${type} is not exported (not in _type, no data, or not readable)`));
      continue;
    }
    await typeFilterOf(type, queries, ctx);
    out[type] = queries.map((pairs) => new URLSearchParams(pairs).toString());
  }
  return out;
}

/** Patient ids of `Group.member.entity` (current members), optionally narrowed by `patient`. */
async function groupMembers(ctx: FhirContext, id: string, only: string[] | undefined): Promise<string[]> {
  const group = (await readResource(ctx, 'Group', id)).resource as Group;
  const now = Date.now();
  const ids = new Set<string>();
  for (const member of group.member ?? []) {
    if (member.inactive || (member.period?.end && Date.parse(member.period.end) < now)) continue;
    const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(member.entity?.reference ?? '');
    if (match) ids.add(match[1] as string);
  }
  if (ids.size > MAX_GROUP_MEMBERS) throw new FhirError(400, [issue('error', 'too-costly', `Group ${id} has more than ${MAX_GROUP_MEMBERS} members`)]);
  return only ? only.filter((p) => ids.has(p)) : [...ids];
}

function requestUrl(ctx: FhirContext, call: OperationCall): string {
  const query = new URLSearchParams(call.request.query).toString();
  return `${ctx.settings.baseUrl}/${call.request.path}${query ? `?${query}` : ''}`;
}

/** The three kick-off operations (system, Patient type, Group instance), advertised in the CapabilityStatement. */
export function exportOperations(config: BulkConfig, queued: (ctx: FhirContext) => void): OperationDefinitionRef[] {
  const common = { name: 'export', affectsState: false, system: false, type: false, instance: false };
  return [
    {
      ...common,
      system: true,
      definition: EXPORT_DEFINITION,
      resourceTypes: [],
      documentation: 'Bulk Data export of every resource type the token may read (Bulk Data Access IG 2.0.0)',
      handler: (call, ctx) => kickOff(call, ctx, 'system', config, queued),
    },
    {
      ...common,
      type: true,
      definition: PATIENT_EXPORT_DEFINITION,
      resourceTypes: ['Patient'],
      // the export holds only the types the token may search, Patient itself included or not
      scopesCheckedByHandler: true,
      documentation: 'Bulk Data export of every patient compartment',
      handler: (call, ctx) => kickOff(call, ctx, 'patient', config, queued),
    },
    {
      ...common,
      instance: true,
      definition: GROUP_EXPORT_DEFINITION,
      resourceTypes: ['Group'],
      documentation: 'Bulk Data export of the compartments of the Patients in Group.member',
      handler: (call, ctx) => kickOff(call, ctx, 'group', config, queued),
    },
  ];
}
