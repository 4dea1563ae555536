import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { validateProfiles } from '../../src/fhir/validation/profile';

export const TELEFHIR = 'http://telefhir.org/fhir/StructureDefinition/';
export const HL7 = 'http://hl7.org/fhir/StructureDefinition/';

export function hl7Fixture<T = Resource>(name: string): T {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'hl7', name), 'utf8')) as T;
}

export const errorsOf = (resource: unknown, profiles?: string[]): OperationOutcomeIssue[] =>
  validateProfiles(resource as Resource, { profiles }).filter((i) => i.severity === 'error');

/** A deep copy changed by `edit` (which may mutate it). */
export function variant<T>(base: T, edit: (copy: T) => void): T {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

export interface Expected {
  code: OperationOutcomeIssue['code'];
  expression: string;
  /** A fragment of the diagnostics, e.g. the constraint key or the element path. */
  text?: string;
  severity?: OperationOutcomeIssue['severity'];
}

/** Asserts that one issue matches exactly (code, location, and text when given). */
export function expectIssue(issues: OperationOutcomeIssue[], expected: Expected): void {
  const found = issues.find(
    (i) =>
      i.code === expected.code &&
      (i.expression ?? []).includes(expected.expression) &&
      (expected.text === undefined || (i.diagnostics ?? '').includes(expected.text)) &&
      i.severity === (expected.severity ?? 'error'),
  );
  if (!found) throw new Error(`Expected ${JSON.stringify(expected)} among:\n${JSON.stringify(issues, null, 2)}`);
}
