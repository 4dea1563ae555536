import type { AuditEvent } from 'fhir/r4';
import { buildAuditEvent, type AuditFacts } from '../../src/audit/event';
import { documentOf } from '../../src/audit/writer';
import { indexResource } from '../../src/fhir/search/api';

/** The memoised index entries of audit records equal a full indexing, first time and on a hit. */
const facts = (over: Partial<AuditFacts>): AuditFacts => ({
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
  subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
  action: 'R',
  outcome: '0',
  actor: { clientId: 'app', userId: 'dr', fhirUser: 'Practitioner/1', address: '127.0.0.1' },
  entities: [{ what: { reference: 'Patient/p1' } }],
  recorded: new Date('2026-01-02T03:04:05.678Z'),
  ...over,
});

describe('audit record index entries', () => {
  it.each([
    ['a first record', facts({})],
    ['the same record a second later (a memo hit)', facts({ recorded: new Date('2026-01-02T03:04:06.999Z') })],
    ['the same a year later', facts({ recorded: new Date('2027-05-06T00:00:00Z') })],
    ['another client', facts({ actor: { clientId: 'other' } })],
    ['another patient and action', facts({ action: 'C', entities: [{ what: { reference: 'Patient/p2' } }] })],
  ])('%s', (_label, f) => {
    const doc = documentOf(buildAuditEvent(f, { baseUrl: 'http://localhost/fhir' }));
    const full = indexResource(doc.resource as AuditEvent);
    expect(doc.idx).toEqual(full.idx);
    expect(doc.compartments).toEqual(full.compartments);
    expect(doc.compartments).toEqual([(f.entities[0]?.what?.reference as string) ?? '']);
  });
});
