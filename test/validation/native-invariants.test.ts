import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { Invariant } from '../../src/fhir/validation/profile/element-tree';
import { checkInvariant } from '../../src/fhir/validation/profile/invariants';

/**
 * Invariants decided without the FHIRPath engine (they cost it 0.15–0.6 ms each, and real records
 * carry thousands) must give the engine's verdict: each case is checked both ways.
 */
const invariant = (key: string, expression: string): Invariant => ({ key, expression, severity: 'error', human: key, bestPractice: false });
const PER_1 = invariant('per-1', 'start.hasValue().not() or end.hasValue().not() or (start <= end)');
const REF_1 = invariant('ref-1', "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))");
const PAT_1 = invariant('pat-1', 'name.exists() or telecom.exists() or address.exists() or organization.exists()');

function engine(inv: Invariant, node: unknown, base: string, root: unknown): 'pass' | 'fail' {
  const options = { traceFn: () => undefined };
  const result = fhirpath.evaluate(node as object, { base, expression: inv.expression }, { resource: root, rootResource: root } as never, r4Model as never, options) as unknown[];
  return result.some((v) => v === false) ? 'fail' : 'pass';
}

const periods: object[] = [
  { start: '2020-01-01', end: '2020-01-02' },
  { start: '2020-01-02', end: '2020-01-01' },
  { start: '2020-01-01', end: '2020-01-01' },
  { start: '2020-01-01T10:00:00Z', end: '2020-01-01T09:00:00-02:00' },
  { start: '2020-01-01T10:00:00+01:00', end: '2020-01-01T09:30:00Z' },
  { start: '2020-01-01T10:00:00.5Z', end: '2020-01-01T10:00:00Z' },
  { start: '2020-01-01T10:00:00Z', end: '2020-01-01T10:00:00.000Z' },
  { start: '2020-01', end: '2020-01-15' },
  { start: '2020-01-01', end: '2019-12-31T23:00:00Z' },
  { start: '2020-01-01T10:00:00Z' },
  { end: '2020-01-01' },
  { _start: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }, end: '2020-01-01' },
];

describe('invariants decided natively agree with the FHIRPath engine', () => {
  it.each(periods.map((p) => [JSON.stringify(p), p]))('per-1 on %s', (_, period) => {
    expect(checkInvariant(PER_1, period, 'Period', {}, {})).toBe(engine(PER_1, period, 'Period', {}));
  });

  const root = { resourceType: 'Claim', contained: [{ resourceType: 'Coverage', id: 'coverage' }, { resourceType: 'Patient' }] };
  it.each(['#coverage', '#missing', '#', 'Patient/1', 'urn:uuid:1f2e'])('ref-1 on reference %s', (reference) => {
    const node = { reference };
    expect(checkInvariant(REF_1, node, 'Reference', root, root)).toBe(engine(REF_1, node, 'Reference', root));
  });
  it('ref-1 without any contained resource', () => {
    const bare = { resourceType: 'Claim' };
    expect(checkInvariant(REF_1, { reference: '#x' }, 'Reference', bare, bare)).toBe('fail');
    expect(engine(REF_1, { reference: '#x' }, 'Reference', bare)).toBe('fail');
  });

  const contacts: object[] = [{ gender: 'male' }, { name: { family: 'x' } }, { telecom: [{ value: '1' }] }, { organization: { reference: 'Organization/1' } }, { relationship: [{ text: 'x' }] }];
  it.each(contacts.map((c) => [JSON.stringify(c), c]))('pat-1 on %s', (_, contact) => {
    expect(checkInvariant(PAT_1, contact, 'Patient.contact', {}, {})).toBe(engine(PAT_1, contact, 'Patient.contact', {}));
  });
});
