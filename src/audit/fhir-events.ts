import type { AuditEventEntity, Coding, Resource } from 'fhir/r4';
import type { AccessContext } from '../fhir/access/context';
import { FhirError } from '../fhir/outcome';
import type { InteractionRecord, RequestReport } from '../fhir/request';
import { matchRoute } from '../fhir/router';
import { DOMAIN_RESOURCE_ROLE, outcomeOfStatus, QUERY_ROLE, REST, restful, SYSTEM_OBJECT, type AuditAction } from './codes';
import { patientEntity, type AuditActor, type AuditFacts } from './event';

/**
 * One AuditEvent per FHIR interaction of a request: the request itself and, for a batch or
 * transaction, each of its entries (BALP: Create, Read, Update, Delete, Query, Execute).
 */
export function factsOfRequest(report: RequestReport, recorded: Date): AuditFacts[] {
  const actor = actorOf(report.access, report.address);
  const trail = report.trail.length > 0 ? report.trail : [recordOfReport(report)];
  const rolledBack = trail.some((r) => r.interaction === 'batch' && r.status >= 400 && bundleKind(r) === 'transaction');
  return trail.map((record) => {
    const facts = factsOf(record, actor, report.access, recorded);
    if (rolledBack && record.interaction !== 'batch' && facts.outcome === '0') {
      facts.outcome = '8';
      facts.outcomeDesc = 'rolled back with its transaction';
    }
    return facts;
  });
}

export function actorOf(access: AccessContext | undefined, address: string | undefined): AuditActor {
  const actor: AuditActor = {};
  if (access?.clientId) actor.clientId = access.clientId;
  // a backend service's subject is its own client id: no user then
  if (access?.subject && access.subject !== access.clientId) actor.userId = access.subject;
  if (access?.fhirUser) actor.fhirUser = access.fhirUser;
  if (address) actor.address = address;
  return actor;
}

/** A request that failed before routing (401, raw Binary content): classified from its path. */
function recordOfReport(report: RequestReport): InteractionRecord {
  const record: InteractionRecord = { request: report.request, status: report.status };
  if (report.error !== undefined) record.error = report.error;
  try {
    const matched = matchRoute(report.request.method, report.request.path);
    return { ...record, interaction: matched.route.interaction, ...matched.params };
  } catch {
    return record;
  }
}

const SUBTYPES: Record<string, string> = {
  'conditional-update': 'update',
  'conditional-patch': 'patch',
  'conditional-delete': 'delete',
  'search-compartment': 'search',
};
const ACTIONS: Record<string, AuditAction> = {
  create: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
  batch: 'E',
  transaction: 'E',
  operation: 'E',
};
const BY_METHOD: Record<string, string> = { GET: 'read', HEAD: 'read', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

function factsOf(record: InteractionRecord, actor: AuditActor, access: AccessContext | undefined, recorded: Date): AuditFacts {
  const interaction = record.interaction === 'batch' ? bundleKind(record) : record.interaction;
  const code = interaction ? (SUBTYPES[interaction] ?? interaction) : (BY_METHOD[record.request.method] ?? 'read');
  const subtype: Coding[] = [restful(code)];
  if (record.op) subtype.push({ code: `$${record.op}`, display: `$${record.op}` });
  const facts: AuditFacts = {
    type: REST,
    subtype,
    action: ACTIONS[code] ?? 'R',
    outcome: outcomeOfStatus(record.status),
    actor,
    entities: entitiesOf(record, code, access),
    recorded,
  };
  if (record.status >= 400) facts.outcomeDesc = describeFailure(record);
  return facts;
}

function bundleKind(record: InteractionRecord): 'batch' | 'transaction' {
  return (record.request.body as { type?: unknown } | undefined)?.type === 'transaction' ? 'transaction' : 'batch';
}

/** Status and issue code only: diagnostics may quote submitted data. */
function describeFailure(record: InteractionRecord): string {
  const code = record.error instanceof FhirError ? record.error.issues[0]?.code : undefined;
  return `HTTP ${record.status}${code ? ` ${code}` : ''}`;
}

const MAX_PATIENTS = 20;

function entitiesOf(record: InteractionRecord, code: string, access: AccessContext | undefined): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  const body = record.response?.body;
  const id = record.id ?? (code === 'create' && body?.resourceType === record.type ? body?.id : undefined);
  if (record.type && id) {
    const reference = `${record.type}/${id}${record.vid ? `/_history/${record.vid}` : ''}`;
    entities.push({ what: { reference }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE_ROLE });
  }
  const query = queryText(record);
  if (query !== undefined) {
    entities.push({ type: SYSTEM_OBJECT, role: QUERY_ROLE, query: Buffer.from(query, 'utf8').toString('base64') });
  }
  for (const patient of patientsOf(record, body, access)) entities.push(patientEntity(patient));
  return entities;
}

const CREDENTIAL_PARAMS = new Set(['access_token', 'refresh_token', 'id_token', 'token', 'client_secret', 'client_assertion', 'password']);

/** The search (or history, or GET operation) as the client sent it: path and query string. */
function queryText(record: InteractionRecord): string | undefined {
  const { request } = record;
  // credentials a client might put in a URL are never recorded
  const params = new URLSearchParams(request.query.filter(([name]) => !CREDENTIAL_PARAMS.has(name.toLowerCase())));
  if (typeof request.body === 'string' && request.method === 'POST' && request.path.endsWith('_search')) {
    for (const [name, value] of new URLSearchParams(request.body)) params.append(name, value);
  }
  const text = params.toString();
  const isSearch = record.interaction?.startsWith('search') || record.interaction?.startsWith('history');
  if (!isSearch && text === '') return undefined;
  return text === '' ? request.path : `${request.path}?${text}`;
}

/** The patients the interaction concerned, as far as the request and its answer tell. */
function patientsOf(record: InteractionRecord, body: Resource | undefined, access: AccessContext | undefined): string[] {
  const found = new Set<string>();
  if (record.type === 'Patient' && record.id) found.add(`Patient/${record.id}`);
  if (body && body.resourceType !== 'Bundle' && body.resourceType !== 'OperationOutcome') addSubject(found, body);
  for (const [name, value] of record.request.query) {
    const base = name.split(':')[0];
    if (base === 'patient' || base === 'subject' || (record.type === 'Patient' && base === '_id')) {
      for (const one of value.split(',')) {
        if (one.startsWith('Patient/')) found.add(one);
        else if (base !== 'subject' && /^[A-Za-z0-9\-.]{1,64}$/.test(one)) found.add(`Patient/${one}`);
      }
    }
  }
  // a patient-scoped token reaches its own patient only
  if (access?.patient && found.size === 0 && record.type !== undefined && record.type !== 'Patient' && record.status < 400) {
    found.add(`Patient/${access.patient}`);
  }
  return [...found].slice(0, MAX_PATIENTS);
}

function addSubject(found: Set<string>, resource: Resource): void {
  if (resource.resourceType === 'Patient' && resource.id) found.add(`Patient/${resource.id}`);
  const holder = resource as { subject?: { reference?: unknown }; patient?: { reference?: unknown }; beneficiary?: { reference?: unknown } };
  for (const ref of [holder.subject?.reference, holder.patient?.reference, holder.beneficiary?.reference]) {
    if (typeof ref === 'string' && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(ref)) found.add(ref);
  }
}
