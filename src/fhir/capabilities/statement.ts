import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceOperation,
  CapabilityStatementRestInteraction,
} from 'fhir/r4';
import packageJson from '../../../package.json';
import { resourceTypeNames } from '../definitions/resource-types';
import type { FhirServices, OperationDefinitionRef } from '../request';
import { searchParamsFor } from '../search/api';
import { supportedProfiles } from '../validation/profile';

/** What the router really implements, decided by the router (so the statement cannot drift from it). */
export interface ImplementedInteractions {
  type: Array<NonNullable<CapabilityStatementRestResource['interaction']>[number]['code']>;
  system: Array<CapabilityStatementRestInteraction['code']>;
}

/** Built once per (settings, operations) pair: the statement is large and never changes at run time. */
const cache = new WeakMap<FhirServices['settings'], { operations: readonly OperationDefinitionRef[]; statement: CapabilityStatement }>();

export function capabilityStatement(services: Pick<FhirServices, 'settings' | 'operations'>, implemented: ImplementedInteractions): CapabilityStatement {
  const cached = cache.get(services.settings);
  if (cached && cached.operations === services.operations) return cached.statement;
  const statement = build(services, implemented);
  cache.set(services.settings, { operations: services.operations, statement });
  return statement;
}

const operationEntry = (op: OperationDefinitionRef): CapabilityStatementRestResourceOperation => {
  const entry: CapabilityStatementRestResourceOperation = { name: op.name, definition: op.definition };
  if (op.documentation) entry.documentation = op.documentation;
  return entry;
};

function build(services: Pick<FhirServices, 'settings' | 'operations'>, implemented: ImplementedInteractions): CapabilityStatement {
  const { settings, operations } = services;
  const resources = resourceTypeNames().map((type) =>
    settings.readOnlyTypes?.includes(type) ? readOnly(resourceEntry(type, operations, implemented)) : resourceEntry(type, operations, implemented),
  );
  const systemOperations = operations.filter((op) => op.system || ((op.type || op.instance) && op.resourceTypes.length === 0));
  const rest: NonNullable<CapabilityStatement['rest']>[number] = {
    mode: 'server',
    documentation: 'Telefhir FHIR R4 REST API',
    resource: resources,
    interaction: implemented.system.map((code) => ({ code })),
  };
  if (settings.security) rest.security = settings.security;
  if (settings.restExtensions && settings.restExtensions.length > 0) rest.extension = settings.restExtensions;
  if (systemOperations.length > 0) rest.operation = systemOperations.map(operationEntry);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Telefhir',
    kind: 'instance',
    ...(settings.instantiates && settings.instantiates.length > 0 ? { instantiates: settings.instantiates } : {}),
    software: { name: 'Telefhir', version: packageJson.version },
    implementation: { description: 'Telefhir FHIR R4 server for telehealth', url: settings.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [rest],
  };
}

const WRITE_CODES = new Set(['create', 'update', 'patch', 'delete', 'vread', 'history-instance', 'history-type']);

/** A type the server writes itself (AuditEvent, one version per record, no history kept): read and search only. */
function readOnly(entry: CapabilityStatementRestResource): CapabilityStatementRestResource {
  const copy: CapabilityStatementRestResource = { ...entry, interaction: (entry.interaction ?? []).filter((i) => !WRITE_CODES.has(i.code)) };
  delete copy.updateCreate;
  delete copy.conditionalCreate;
  delete copy.conditionalUpdate;
  delete copy.conditionalDelete;
  delete copy.versioning;
  copy.readHistory = false;
  return copy;
}

function resourceEntry(type: string, operations: readonly OperationDefinitionRef[], implemented: ImplementedInteractions): CapabilityStatementRestResource {
  const entry: CapabilityStatementRestResource = {
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: implemented.type.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'not-supported',
    conditionalUpdate: true,
    conditionalDelete: 'single',
  };
  const profiles = supportedProfiles(type);
  if (profiles.length > 0) entry.supportedProfile = profiles;
  const searchParams = searchParamsFor(type);
  if (searchParams.length > 0) entry.searchParam = searchParams;
  const ops = operations.filter((op) => (op.type || op.instance) && op.resourceTypes.includes(type));
  if (ops.length > 0) entry.operation = ops.map(operationEntry);
  return entry;
}
