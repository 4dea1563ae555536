import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isResourceType, resourceTypeNames } from '../../src/fhir/definitions/resource-types';
import { toFhirPath, validateSchema } from '../../src/fhir/validation/schema';
import { fixture } from './helpers';

const fixtureNames = (dir: string) =>
  readdirSync(path.join(__dirname, '..', 'fixtures', 'hl7', dir)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`);

describe('R4 resource types', () => {
  it('lists the concrete HL7 4.0.1 resource types only', () => {
    const names = resourceTypeNames();
    expect(names).toContain('Patient');
    expect(names).toContain('Parameters');
    expect(names).toHaveLength(146);
    // abstract, Medplum-specific and R4B types are not R4 resource types
    for (const name of ['Resource', 'DomainResource', 'Project', 'ClientApplication', 'Bot', 'SubscriptionStatus']) {
      expect(isResourceType(name)).toBe(false);
    }
  });
});

describe('JSON schema validation', () => {
  it.each([...fixtureNames('per-type'), ...fixtureNames('vitals'), 'Patient-example.json'])('accepts the HL7 example %s', (name) => {
    expect(validateSchema(fixture(name))).toEqual([]);
  });

  it('rejects Medplum extensions of HL7 types (Meta.project, Meta.author, Reference.resource)', () => {
    const issues = validateSchema({
      resourceType: 'Observation',
      meta: { project: 'p', author: { reference: 'Practitioner/1' }, compartment: [] },
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/1', resource: { resourceType: 'Patient' } },
    });
    const paths = issues.map((i) => i.expression?.[0]).sort();
    expect(paths).toEqual(['Observation.meta.author', 'Observation.meta.compartment', 'Observation.meta.project', 'Observation.subject.resource']);
    expect(issues.every((i) => i.severity === 'error' && i.code === 'structure')).toBe(true);
  });

  it('rejects elements Medplum added from later FHIR versions (ResearchStudy.name, Binary.url)', () => {
    expect(validateSchema({ resourceType: 'ResearchStudy', status: 'active', name: 'x' }).map((i) => i.expression?.[0])).toEqual([
      'ResearchStudy.name',
    ]);
    expect(validateSchema({ resourceType: 'Binary', contentType: 'text/plain', url: 'http://x' }).map((i) => i.expression?.[0])).toEqual([
      'Binary.url',
    ]);
  });

  it('accepts R4 elements that Medplum removed from its snapshots (EvidenceVariable.characteristic.definitionDataRequirement)', () => {
    const resource = { resourceType: 'EvidenceVariable', status: 'draft', characteristic: [{ definitionDataRequirement: { type: 'Patient' } }] };
    expect(validateSchema(resource)).toEqual([]);
  });

  it('reports wrong types and formats with FHIRPath expressions', () => {
    const issues = validateSchema({ resourceType: 'Patient', name: [{ given: ['a', 7] }], birthDate: '1970-13-01', active: 'yes' });
    const byPath = Object.fromEntries(issues.map((i) => [i.expression?.[0], i.code]));
    expect(byPath).toEqual({ 'Patient.name[0].given[1]': 'value', 'Patient.birthDate': 'value', 'Patient.active': 'value' });
  });

  it('reports missing required elements, unknown contained types and non-HL7 resource types', () => {
    expect(validateSchema({ resourceType: 'Observation', status: 'final' }).map((i) => i.expression?.[0])).toEqual(['Observation.code']);
    const contained = validateSchema({ resourceType: 'Patient', contained: [{ resourceType: 'Project', name: 'x' }] });
    expect(contained.map((i) => i.expression?.[0])).toEqual(['Patient.contained[0]']);
    expect(validateSchema({ resourceType: 'Project', name: 'x' })).not.toEqual([]);
  });

  it('rejects invalid enum codes and empty strings', () => {
    const issues = validateSchema({ resourceType: 'Patient', gender: 'robot', name: [{ family: '' }] });
    expect(issues.map((i) => i.expression?.[0]).sort()).toEqual(['Patient.gender', 'Patient.name[0].family']);
  });

  it('converts JSON pointers to FHIRPath', () => {
    expect(toFhirPath('Patient', '')).toBe('Patient');
    expect(toFhirPath('Patient', '/name/0/given/1')).toBe('Patient.name[0].given[1]');
    expect(toFhirPath('Bundle', '/entry/2/resource/a~1b')).toBe('Bundle.entry[2].resource.a/b');
  });
});

describe('primitive extensions', () => {
  it('accepts _name on canonical elements and null-aligned _name arrays', () => {
    const patient = { resourceType: 'Patient', name: [{ given: ['a', 'b'], _given: [null, { extension: [{ url: 'http://x', valueString: 'y' }] }] }] };
    expect(validateSchema(patient)).toEqual([]);
    const sd = { resourceType: 'Questionnaire', status: 'draft', derivedFrom: ['http://x/q'], _derivedFrom: [{ id: 'a' }] };
    expect(validateSchema(sd)).toEqual([]);
  });

  it('rejects a _name that is not an Element', () => {
    expect(validateSchema({ resourceType: 'Patient', _birthDate: 'x' }).map((i) => i.expression?.[0])).toEqual(['Patient._birthDate']);
  });
});

it('rejects a scalar where a complex element is expected', () => {
  const issues = validateSchema({ resourceType: 'Patient', maritalStatus: 'M', contact: [{ name: 'x' }] });
  expect(issues.map((i) => i.expression?.[0]).sort()).toEqual(['Patient.contact[0].name', 'Patient.maritalStatus']);
});
