import type { CapabilityStatement } from 'fhir/r4';
import type { OperationDefinitionRef } from '../../fhir/request';
import { COMMON_PARAMETERS, COMMON_SCHEMAS, ERROR_RESPONSES, json, ref, securitySchemes } from './components';
import { operationPaths, resourcePaths } from './paths';
import type { OpenApiDocument, PathItem, SchemaObject } from './types';

/**
 * OpenAPI 3.1 of the FHIR API, generated from the server's own CapabilityStatement (so it lists
 * exactly what /metadata says: every type, its interactions, search parameters and operations,
 * and the SMART security) — never written by hand, so it cannot drift from the server.
 */
export function openApiFromCapabilityStatement(
  statement: CapabilityStatement,
  operations: readonly OperationDefinitionRef[],
): OpenApiDocument {
  const rest = statement.rest?.[0];
  const baseUrl = statement.implementation?.url ?? '/fhir';
  const paths: Record<string, PathItem> = {
    '/metadata': {
      get: {
        operationId: 'capabilities',
        summary: 'CapabilityStatement (public)',
        tags: ['System'],
        security: [],
        responses: {
          '200': { description: 'CapabilityStatement', content: json(ref('schemas', 'Resource')) },
        },
      },
    },
  };
  const system = new Set((rest?.interaction ?? []).map((i) => i.code));
  if (system.has('transaction') || system.has('batch')) {
    paths['/'] = {
      post: {
        operationId: 'transactionOrBatch',
        summary: 'Batch or transaction Bundle',
        tags: ['System'],
        requestBody: { required: true, content: json(ref('schemas', 'Bundle')) },
        responses: {
          '200': {
            description: 'batch-response or transaction-response Bundle',
            content: json(ref('schemas', 'Bundle')),
          },
          '400': ref('responses', 'BadRequest'),
          '401': ref('responses', 'Unauthorized'),
        },
      },
    };
  }
  if (system.has('search-system')) {
    paths['/']!.get = {
      operationId: 'searchSystem',
      summary: 'Search across types (_type)',
      tags: ['System'],
      parameters: [
        {
          name: '_type',
          in: 'query',
          description: 'Comma-separated resource types',
          schema: { type: 'string' },
        },
        ref('parameters', '_count'),
      ],
      responses: {
        '200': { description: 'searchset Bundle', content: json(ref('schemas', 'Bundle')) },
        '401': ref('responses', 'Unauthorized'),
      },
    };
  }
  if (system.has('history-system')) {
    paths['/_history'] = {
      get: {
        operationId: 'historySystem',
        summary: 'History of every resource',
        tags: ['System'],
        parameters: [ref('parameters', '_count'), ref('parameters', '_since')],
        responses: {
          '200': { description: 'history Bundle', content: json(ref('schemas', 'Bundle')) },
          '401': ref('responses', 'Unauthorized'),
        },
      },
    };
  }
  for (const op of rest?.operation ?? [])
    Object.assign(
      paths,
      operationPaths(
        op,
        operations.find((o) => o.name === op.name && o.system),
      ),
    );

  const schemas: Record<string, SchemaObject> = { ...COMMON_SCHEMAS };
  const tags: OpenApiDocument['tags'] = [
    {
      name: 'System',
      description: 'Capabilities, batch/transaction, system search and history, system operations',
    },
  ];
  for (const entry of rest?.resource ?? []) {
    Object.assign(paths, resourcePaths(entry, operations));
    const page = `https://hl7.org/fhir/R4/${entry.type.toLowerCase()}.html`;
    tags.push({ name: entry.type, externalDocs: { url: page } });
    schemas[entry.type] = {
      type: 'object',
      description: `FHIR R4 ${entry.type} (${page}); profiles: ${[entry.profile, ...(entry.supportedProfile ?? [])].filter(Boolean).join(', ')}`,
      required: ['resourceType'],
      properties: { resourceType: { const: entry.type }, id: { type: 'string' }, meta: { type: 'object' } },
      additionalProperties: true,
    };
  }
  const security = securitySchemes(statement);
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: `${statement.software?.name ?? 'FHIR'} FHIR R4 API`,
      version: statement.software?.version ?? '0',
      description: `${statement.implementation?.description ?? 'FHIR R4 server'}. Generated from the CapabilityStatement at ${baseUrl}/metadata. FHIR JSON only (application/fhir+json).`,
    },
    servers: [{ url: baseUrl }],
    externalDocs: { url: 'https://hl7.org/fhir/R4/http.html', description: 'FHIR R4 RESTful API' },
    tags,
    paths,
    components: { schemas, parameters: COMMON_PARAMETERS, responses: ERROR_RESPONSES },
  };
  if (security) {
    doc.components.securitySchemes = security;
    doc.security = [{ smart: [] }, { bearer: [] }];
  }
  return doc;
}
