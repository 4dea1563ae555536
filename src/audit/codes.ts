import type { Coding } from 'fhir/r4';

/**
 * The vocabularies of an AuditEvent, after IHE Basic Audit Log Patterns (BALP) and DICOM PS3.15:
 * FHIR interactions are DICOM `rest` events with a restful-interaction subtype; authorization
 * events are DICOM "User Authentication" (login, token work) and admin changes "Security Alert".
 */
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
/** Subtypes of authorization events that no standard vocabulary names (token issue, refresh, ...). */
export const AUTH_EVENT_SUBTYPE = 'http://telefhir.org/fhir/CodeSystem/auth-event';

export const REST: Coding = { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' };
export const USER_AUTHENTICATION: Coding = { system: DICOM, code: '110114', display: 'User Authentication' };
export const SECURITY_ALERT: Coding = { system: DICOM, code: '110113', display: 'Security Alert' };
export const LOGIN: Coding = { system: DICOM, code: '110122', display: 'Login' };

export const restful = (code: string): Coding => ({ system: RESTFUL_INTERACTION, code, display: code });
export const authSubtype = (code: string): Coding => ({ system: AUTH_EVENT_SUBTYPE, code, display: code });

/** AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** AuditEvent.outcome: success, minor failure (4xx), serious failure (5xx), major failure. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export const outcomeOfStatus = (status: number): AuditOutcome => (status < 400 ? '0' : status < 500 ? '4' : '8');

// agent roles (BALP): the client is the Source Role ID, the server the Destination Role ID, the
// user the information recipient
export const SOURCE_ROLE: Coding = { system: DICOM, code: '110153', display: 'Source Role ID' };
export const DESTINATION_ROLE: Coding = { system: DICOM, code: '110152', display: 'Destination Role ID' };
export const USER_ROLE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  code: 'IRCP',
  display: 'information recipient',
};
export const APPLICATION_SERVER: Coding = { system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' };

// entity types and roles
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const PERSON: Coding = { system: ENTITY_TYPE, code: '1', display: 'Person' };
export const SYSTEM_OBJECT: Coding = { system: ENTITY_TYPE, code: '2', display: 'System Object' };
export const PATIENT_ROLE: Coding = { system: OBJECT_ROLE, code: '1', display: 'Patient' };
export const DOMAIN_RESOURCE_ROLE: Coding = { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' };
export const QUERY_ROLE: Coding = { system: OBJECT_ROLE, code: '24', display: 'Query' };
export const SECURITY_USER_ENTITY_ROLE: Coding = { system: OBJECT_ROLE, code: '11', display: 'Security User Entity' };
/** The OAuth client identifier namespace (RFC 6749 client_id); users are identified by their login. */
export const CLIENT_ID_SYSTEM = 'urn:ietf:params:oauth:client-id';
export const USER_ID_SYSTEM = 'urn:telefhir:user';
