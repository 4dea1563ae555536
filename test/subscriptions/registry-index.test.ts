import type { Observation } from 'fhir/r4';
import { UNRESTRICTED } from '../../src/fhir/access/context';
import type { FhirContext } from '../../src/fhir/request';
import { compileSubscriptionCriteria, matchDocumentOf } from '../../src/subscriptions/criteria';
import type { RegistryRow } from '../../src/subscriptions/model';
import { SubscriptionIndex } from '../../src/subscriptions/registry-index';

/** Matching cost: a write evaluates only the subscriptions its own index entries point at. */
const ctx = { settings: { baseUrl: 'http://localhost:8080/fhir' }, access: UNRESTRICTED } as unknown as FhirContext;
const row = (id: string, query: string): RegistryRow => ({
  _id: id,
  status: 'active',
  kind: 'criteria',
  filters: { Observation: query },
  channel: { type: 'rest-hook', endpoint: 'https://example.org', headers: [], content: 'empty' },
  access: { unrestricted: true },
  events: 0,
  updatedMs: 0,
});
const reading = (patient: string, code = '8867-4'): Observation => ({
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patient}` },
});

it('with 1 000 patient subscriptions a write evaluates one, plus those without an equality clause', async () => {
  const index = new SubscriptionIndex();
  for (let n = 0; n < 1000; n++) {
    const r = row(`s${n}`, `patient=Patient/p${n}`);
    index.set(r, [await compileSubscriptionCriteria(ctx, 'Observation', r.filters.Observation as string, r.access)]);
  }
  const broad = row('broad', 'value-quantity=gt100');
  index.set(broad, [await compileSubscriptionCriteria(ctx, 'Observation', 'value-quantity=gt100', broad.access)]);
  const doc = matchDocumentOf(reading('p42'));
  expect(index.candidates('Observation', doc).map((e) => e.row._id).sort()).toEqual(['broad', 's42']);
  expect(index.matching('Observation', doc).map((e) => e.row._id)).toEqual(['s42']);
  expect(index.candidates('Patient', doc)).toEqual([]);
  index.remove('s42');
  expect(index.matching('Observation', doc)).toEqual([]);
  expect(index.size).toBe(1000);
});

it('anchors on token codes and keeps AND semantics of the other parameters', async () => {
  const index = new SubscriptionIndex();
  const r = row('hr', 'code=http://loinc.org|8867-4&patient=Patient/p1');
  index.set(r, [await compileSubscriptionCriteria(ctx, 'Observation', r.filters.Observation as string, r.access)]);
  expect(index.matching('Observation', matchDocumentOf(reading('p1'))).map((e) => e.row._id)).toEqual(['hr']);
  expect(index.matching('Observation', matchDocumentOf(reading('p2')))).toEqual([]);
  expect(index.matching('Observation', matchDocumentOf(reading('p1', '8480-6')))).toEqual([]);
});
