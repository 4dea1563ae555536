import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from 'fhir/r4';
import {
  APPLICATION_SERVER,
  CLIENT_ID_SYSTEM,
  DESTINATION_ROLE,
  PATIENT_ROLE,
  PERSON,
  SOURCE_ROLE,
  USER_ID_SYSTEM,
  USER_ROLE,
  type AuditAction,
  type AuditOutcome,
} from './codes';

/** Who acted, as far as the server knows it (never a token, a secret or a password). */
export interface AuditActor {
  clientId?: string;
  /** The user's login id (token `sub` of a user grant, or the name typed at sign-in). */
  userId?: string;
  /** e.g. `Practitioner/123`. */
  fhirUser?: string;
  /** The peer address of the connection. */
  address?: string;
}

/** What one AuditEvent says, before it is shaped as FHIR. */
export interface AuditFacts {
  type: Coding;
  subtype: Coding[];
  action: AuditAction;
  outcome: AuditOutcome;
  outcomeDesc?: string;
  actor: AuditActor;
  entities: AuditEventEntity[];
  recorded: Date;
}

/** Where the records come from (AuditEvent.source.observer and the server agent). */
export interface AuditSourceInfo {
  /** The FHIR base URL. */
  baseUrl: string;
}

const MAX_TEXT = 256;
const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/** An AuditEvent shaped after IHE BALP: user (requestor), client, server agents; the server as observer. */
export function buildAuditEvent(facts: AuditFacts, source: AuditSourceInfo): AuditEvent {
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    type: facts.type,
    subtype: facts.subtype,
    action: facts.action,
    recorded: facts.recorded.toISOString(),
    outcome: facts.outcome,
    agent: agentsOf(facts.actor, source),
    source: { observer: { identifier: { value: source.baseUrl }, display: 'Telefhir' }, type: [APPLICATION_SERVER] },
  };
  if (facts.outcomeDesc) event.outcomeDesc = clip(facts.outcomeDesc);
  if (facts.entities.length > 0) event.entity = facts.entities;
  return event;
}

function agentsOf(actor: AuditActor, source: AuditSourceInfo): AuditEventAgent[] {
  const agents: AuditEventAgent[] = [];
  const hasUser = actor.userId !== undefined || actor.fhirUser !== undefined;
  if (hasUser) {
    const who: AuditEventAgent['who'] = actor.fhirUser ? { reference: actor.fhirUser } : {};
    if (actor.userId) who.identifier = { system: USER_ID_SYSTEM, value: clip(actor.userId) };
    const user: AuditEventAgent = { type: { coding: [USER_ROLE] }, who, requestor: true };
    if (actor.userId) user.altId = clip(actor.userId);
    agents.push(user);
  }
  const client: AuditEventAgent = { type: { coding: [SOURCE_ROLE] }, requestor: !hasUser };
  if (actor.clientId) {
    client.who = { identifier: { system: CLIENT_ID_SYSTEM, value: clip(actor.clientId) } };
    client.altId = clip(actor.clientId);
    client.name = clip(actor.clientId);
  } else {
    client.who = { display: 'unauthenticated client' };
  }
  if (actor.address) client.network = { address: actor.address, type: '2' };
  agents.push(client);
  agents.push({
    type: { coding: [DESTINATION_ROLE] },
    who: { identifier: { value: source.baseUrl }, display: 'Telefhir' },
    requestor: false,
    network: { address: source.baseUrl, type: '5' },
  });
  return agents;
}

/** The patient entity of BALP's patient-identifiable events. */
export const patientEntity = (reference: string): AuditEventEntity => ({ what: { reference }, type: PERSON, role: PATIENT_ROLE });
