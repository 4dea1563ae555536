import type { Resource } from 'fhir/r4';
import { validateProfiles } from '../../src/fhir/validation/profile';
import { hl7Fixture } from './helpers';

/**
 * Bad input must give issues, never an exception (an exception would be a 500). Every property
 * of two examples, at every depth, is replaced by values of the wrong shape, with profiles claimed.
 */
const WRONG_SHAPES: unknown[] = [null, 1, 'x', [], {}, [null], [1, 'a'], { extension: 5 }];

function* propertyPaths(value: unknown, at: string[] = []): Generator<string[]> {
  if (!value || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    yield [...at, key];
    yield* propertyPaths(child, [...at, key]);
  }
}

const PROFILES = [
  'http://hl7.org/fhir/StructureDefinition/bp',
  'http://telefhir.org/fhir/StructureDefinition/RemoteMonitoringObservation',
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient',
];

it.each(['vitals/Observation-blood-pressure.json', 'Patient-example.json'])('never throws on malformed variants of %s', (name) => {
  const base = { ...hl7Fixture<Record<string, unknown>>(name), meta: { profile: PROFILES } };
  let checked = 0;
  for (const path of propertyPaths(base)) {
    for (const wrong of WRONG_SHAPES) {
      const copy = structuredClone(base);
      let parent = copy as Record<string, unknown>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
      parent[path[path.length - 1] as string] = wrong;
      expect(() => validateProfiles(copy as unknown as Resource, { bestPractice: true })).not.toThrow();
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(500);
});
