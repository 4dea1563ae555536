import type { CapabilityStatement } from 'fhir/r4';
import type { OpenApiDocument, ParameterObject, Ref, SchemaObject } from './types';

/** Shared pieces of the document: media types, common parameters, error responses, security. */
export const FHIR_JSON = 'application/fhir+json';
export const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string): Ref => ({
  $ref: `#/components/${kind}/${name}`,
});
export const json = (schema: SchemaObject | Ref) => ({ [FHIR_JSON]: { schema } });

const query = (
  name: string,
  description: string,
  schema: SchemaObject = { type: 'string' },
): ParameterObject => ({ name, in: 'query', description, schema });
const header = (name: string, description: string): ParameterObject => ({
  name,
  in: 'header',
  description,
  schema: { type: 'string' },
});

export const COMMON_PARAMETERS: Record<string, ParameterObject> = {
  id: {
    name: 'id',
    in: 'path',
    required: true,
    description: 'Logical id ([A-Za-z0-9-.]{1,64})',
    schema: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
  },
  vid: { name: 'vid', in: 'path', required: true, description: 'Version id', schema: { type: 'string' } },
  _count: query('_count', 'Page size (capped by the server maximum)', { type: 'integer', minimum: 0 }),
  _sort: query('_sort', 'Comma-separated sort parameters; `-` for descending'),
  _include: query('_include', 'Include referenced resources, e.g. Observation:patient'),
  _revinclude: query('_revinclude', 'Include resources that reference the matches'),
  _summary: query('_summary', 'true | false | count | data | text'),
  _elements: query('_elements', 'Comma-separated elements to return'),
  _total: query('_total', 'none | estimate | accurate'),
  _since: query('_since', 'Only versions changed at or after this instant', {
    type: 'string',
    format: 'date-time',
  }),
  _format: query('_format', 'json or application/fhir+json (XML is not supported)'),
  _pretty: query('_pretty', 'Indent the JSON', { type: 'boolean' }),
  ifMatch: header('If-Match', 'Version-aware update: W/"<versionId>"'),
  ifNoneMatch: header('If-None-Match', 'Conditional read: W/"<versionId>" (304 when unchanged)'),
  ifNoneExist: header('If-None-Exist', 'Conditional create: search criteria, e.g. identifier=system|value'),
  prefer: header('Prefer', 'return=minimal | return=representation | return=OperationOutcome'),
};

export const COMMON_SCHEMAS: Record<string, SchemaObject> = {
  Resource: {
    type: 'object',
    description:
      'Any FHIR R4 resource (JSON); validated by the server against the R4 schema and claimed profiles.',
    required: ['resourceType'],
    properties: { resourceType: { type: 'string' }, id: { type: 'string' }, meta: { type: 'object' } },
    additionalProperties: true,
  },
  Bundle: {
    type: 'object',
    required: ['resourceType', 'type'],
    properties: {
      resourceType: { const: 'Bundle' },
      type: { type: 'string' },
      total: { type: 'integer' },
      link: { type: 'array', items: { type: 'object' } },
      entry: { type: 'array', items: { type: 'object' } },
    },
    additionalProperties: true,
  },
  OperationOutcome: {
    type: 'object',
    required: ['resourceType', 'issue'],
    properties: {
      resourceType: { const: 'OperationOutcome' },
      issue: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            severity: { type: 'string' },
            code: { type: 'string' },
            diagnostics: { type: 'string' },
            expression: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
  Parameters: {
    type: 'object',
    required: ['resourceType'],
    properties: {
      resourceType: { const: 'Parameters' },
      parameter: { type: 'array', items: { type: 'object' } },
    },
  },
  JsonPatch: {
    type: 'array',
    description: 'RFC 6902 JSON Patch',
    items: {
      type: 'object',
      required: ['op', 'path'],
      properties: {
        op: { enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
        path: { type: 'string' },
        value: {},
        from: { type: 'string' },
      },
    },
  },
};

export const ERROR_RESPONSES: OpenApiDocument['components']['responses'] = Object.fromEntries(
  [
    ['BadRequest', '400: the request is malformed'],
    ['Unauthorized', '401: no valid access token (the diagnostics name the token endpoint)'],
    ['Forbidden', '403: the token scopes do not allow this'],
    ['NotFound', '404: unknown type, id or version'],
    ['Gone', '410: deleted'],
    ['PreconditionFailed', '412: If-Match mismatch, or conditional criteria match more than one resource'],
    ['Unprocessable', '422: invalid content (validation issues with FHIRPath expressions)'],
  ].map(([name, description]) => [
    name as string,
    { description: description as string, content: json(ref('schemas', 'OperationOutcome')) },
  ]),
);

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/** The oauth2 scheme from the statement's SMART security block (oauth-uris extension); none when AUTH=off. */
export function securitySchemes(statement: CapabilityStatement): Record<string, SchemaObject> | undefined {
  const uris = statement.rest?.[0]?.security?.extension?.find((e) => e.url === OAUTH_URIS)?.extension ?? [];
  const uri = (name: string) => uris.find((e) => e.url === name)?.valueUri;
  const token = uri('token');
  const authorize = uri('authorize');
  if (!token) return undefined;
  const scopes = {
    'system/*.cruds': 'Backend services: every resource type',
    'user/*.cruds': 'The signed-in user: every resource type',
    'patient/*.rs': 'The launch patient: read and search',
    'launch/patient': 'Standalone launch: pick a patient',
    openid: 'OpenID Connect id_token',
    fhirUser: 'The user FHIR resource in the id_token',
    'telefhir/admin': 'Administration API (/auth/admin)',
  };
  return {
    smart: {
      type: 'oauth2',
      description:
        'SMART on FHIR (App Launch 2.x, Backend Services). Discovery: [base]/.well-known/smart-configuration',
      flows: {
        clientCredentials: { tokenUrl: token, scopes },
        ...(authorize ? { authorizationCode: { authorizationUrl: authorize, tokenUrl: token, scopes } } : {}),
      },
    },
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from the token endpoint (e.g. the curl line printed at first start)',
    },
  };
}
