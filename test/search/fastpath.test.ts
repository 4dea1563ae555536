import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { searchParameters, splitUnion } from '../../src/fhir/definitions/search-parameters';
import { compileFastPath } from '../../src/fhir/search/fastpath';

/**
 * The fast path must select exactly what the HL7 FHIRPath engine selects: every SearchParameter
 * expression it accepts is evaluated both ways on every HL7 example resource.
 */
const dir = path.join(__dirname, '..', 'fixtures', 'hl7', 'per-type');
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { resourceType: string });

const asSet = (values: unknown[]) => [...new Set(values.map((v) => JSON.stringify(v)))].sort();

test('the fast path covers most expressions', () => {
  let fast = 0;
  let total = 0;
  for (const type of ['Patient', 'Observation', 'Encounter', 'Appointment', 'Practitioner']) {
    for (const def of searchParameters(type).values()) {
      if (!def.expression || def.type === 'composite') continue;
      total++;
      if (compileFastPath(type, splitUnion(def.expression))) fast++;
    }
  }
  expect(fast / total).toBeGreaterThan(0.9);
});

test.each(examples.map((e) => [e.resourceType, e] as const))('%s: fast path = fhirpath on the HL7 example', (type, resource) => {
  let compared = 0;
  for (const def of searchParameters(type).values()) {
    if (!def.expression || def.type === 'composite') continue;
    const fast = compileFastPath(type, splitUnion(def.expression));
    if (!fast) continue;
    let expected: unknown[];
    try {
      expected = fhirpath.evaluate(resource, def.expression, undefined, r4model as never) as unknown[];
    } catch {
      continue;
    }
    expect({ code: def.code, values: asSet(fast(resource)) }).toEqual({ code: def.code, values: asSet(expected) });
    compared++;
  }
  expect(compared).toBeGreaterThan(0);
});

/** Hand-made cases for the shapes the HL7 examples exercise thinly: `where(field='literal')` and Patient.deceased. */
const patients = [
  { resourceType: 'Patient' },
  { resourceType: 'Patient', deceasedBoolean: false, telecom: [{ system: 'phone', value: '1' }] },
  { resourceType: 'Patient', deceasedBoolean: true, telecom: [{ system: 'email', value: 'a@b' }, { system: 'email', value: 'c@d' }, { value: 'x' }] },
  { resourceType: 'Patient', deceasedDateTime: '2020-01-01', telecom: [{ system: 'Email', value: 'case' }, { _system: { extension: [] }, value: 'e' }] },
];
test.each(['deceased', 'email', 'phone'])('Patient %s: fast path = fhirpath on hand-made patients', (code) => {
  const def = searchParameters('Patient').get(code);
  const fast = compileFastPath('Patient', splitUnion(def?.expression ?? ''));
  expect(fast).toBeDefined();
  for (const patient of patients) {
    const expected = fhirpath.evaluate(patient, def?.expression ?? '', undefined, r4model as never) as unknown[];
    expect(asSet(fast?.(patient) ?? [])).toEqual(asSet(expected));
  }
});
