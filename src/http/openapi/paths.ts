import type { CapabilityStatementRestResource, CapabilityStatementRestResourceOperation } from 'fhir/r4';
import type { OperationDefinitionRef } from '../../fhir/request';
import { json, ref } from './components';
import type { OperationObject, ParameterObject, PathItem, Ref } from './types';

/** The paths of one resource type, from its CapabilityStatement entry (interactions, searchParam, operation). */
type Paths = Record<string, PathItem>;

const errors = (...names: string[]): OperationObject['responses'] =>
  Object.fromEntries(names.map((n) => [STATUS[n] as string, ref('responses', n)]));
const STATUS: Record<string, string> = {
  BadRequest: '400',
  Unauthorized: '401',
  Forbidden: '403',
  NotFound: '404',
  Gone: '410',
  PreconditionFailed: '412',
  Unprocessable: '422',
};
const AUTH = ['Unauthorized', 'Forbidden'];
const resource = (type: string) => ref('schemas', type);
const bundle = ref('schemas', 'Bundle');
const ok = (description: string, schema: Ref) => ({ description, content: json(schema) });
const common = (...names: string[]) => names.map((n) => ref('parameters', n));

export function searchParameters(entry: CapabilityStatementRestResource): ParameterObject[] {
  return (entry.searchParam ?? [])
    .filter(
      (p) =>
        !p.name.startsWith('_') ||
        p.name === '_id' ||
        p.name === '_lastUpdated' ||
        p.name === '_tag' ||
        p.name === '_profile' ||
        p.name === '_security' ||
        p.name === '_has' ||
        p.name === '_text' ||
        p.name === '_content',
    )
    .map((p) => ({
      name: p.name,
      in: 'query' as const,
      description: `${p.type}${p.documentation ? `: ${p.documentation}` : ''}`,
      schema: { type: 'string' },
    }));
}

export function resourcePaths(
  entry: CapabilityStatementRestResource,
  operations: readonly OperationDefinitionRef[],
): Paths {
  const type = entry.type;
  const has = new Set((entry.interaction ?? []).map((i) => i.code));
  const tags = [type];
  const paths: Paths = {};
  const typePath: PathItem = {};
  const instancePath: PathItem = { parameters: common('id') };
  const search = [
    ...searchParameters(entry),
    ...common(
      '_count',
      '_sort',
      '_include',
      '_revinclude',
      '_summary',
      '_elements',
      '_total',
      '_format',
      '_pretty',
    ),
  ];
  if (has.has('search-type')) {
    typePath.get = {
      operationId: `search${type}`,
      summary: `Search ${type}`,
      tags,
      parameters: search,
      responses: { '200': ok('searchset Bundle', bundle), ...errors('BadRequest', ...AUTH) },
    };
    paths[`/${type}/_search`] = {
      post: {
        operationId: `search${type}Post`,
        summary: `Search ${type} (form POST)`,
        tags,
        requestBody: {
          required: false,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                properties: Object.fromEntries(
                  search
                    .filter((p): p is ParameterObject => 'name' in p)
                    .map((p) => [p.name, { type: 'string' }]),
                ),
              },
            },
          },
        },
        responses: { '200': ok('searchset Bundle', bundle), ...errors('BadRequest', ...AUTH) },
      },
    };
  }
  if (has.has('create')) {
    typePath.post = {
      operationId: `create${type}`,
      summary: `Create ${type} (conditional with If-None-Exist)`,
      tags,
      parameters: common('ifNoneExist', 'prefer'),
      requestBody: { required: true, content: json(resource(type)) },
      responses: {
        '201': ok('Created (Location, ETag)', resource(type)),
        '200': ok('Conditional create: an existing match', resource(type)),
        ...errors('BadRequest', ...AUTH, 'PreconditionFailed', 'Unprocessable'),
      },
    };
  }
  if (has.has('update')) {
    typePath.put = {
      operationId: `conditionalUpdate${type}`,
      summary: `Conditional update of ${type} (search criteria in the query)`,
      tags,
      requestBody: { required: true, content: json(resource(type)) },
      responses: {
        '200': ok('Updated', resource(type)),
        '201': ok('Created', resource(type)),
        ...errors('BadRequest', ...AUTH, 'PreconditionFailed', 'Unprocessable'),
      },
    };
    instancePath.put = {
      operationId: `update${type}`,
      summary: `Update ${type} (creates it when the id is unknown)`,
      tags,
      parameters: common('ifMatch', 'prefer'),
      requestBody: { required: true, content: json(resource(type)) },
      responses: {
        '200': ok('Updated', resource(type)),
        '201': ok('Created', resource(type)),
        ...errors('BadRequest', ...AUTH, 'PreconditionFailed', 'Unprocessable'),
      },
    };
  }
  if (has.has('read')) {
    instancePath.get = {
      operationId: `read${type}`,
      summary: `Read ${type}`,
      tags,
      parameters: common('ifNoneMatch', '_summary', '_elements', '_format', '_pretty'),
      responses: {
        '200': ok(type, resource(type)),
        '304': { description: 'Not modified' },
        ...errors(...AUTH, 'NotFound', 'Gone'),
      },
    };
  }
  if (has.has('patch')) {
    instancePath.patch = {
      operationId: `patch${type}`,
      summary: `Patch ${type} (JSON Patch)`,
      tags,
      parameters: common('ifMatch', 'prefer'),
      requestBody: {
        required: true,
        content: { 'application/json-patch+json': { schema: ref('schemas', 'JsonPatch') } },
      },
      responses: {
        '200': ok('Patched', resource(type)),
        ...errors('BadRequest', ...AUTH, 'NotFound', 'PreconditionFailed', 'Unprocessable'),
      },
    };
  }
  if (has.has('delete')) {
    instancePath.delete = {
      operationId: `delete${type}`,
      summary: `Delete ${type} (logical; history is kept)`,
      tags,
      responses: { '204': { description: 'Deleted' }, ...errors(...AUTH, 'PreconditionFailed') },
    };
    typePath.delete = {
      operationId: `conditionalDelete${type}`,
      summary: `Conditional delete of ${type}`,
      tags,
      responses: {
        '204': { description: 'Deleted' },
        ...errors('BadRequest', ...AUTH, 'PreconditionFailed'),
      },
    };
  }
  if (Object.keys(typePath).length > 0) paths[`/${type}`] = typePath;
  if (Object.keys(instancePath).length > 1) paths[`/${type}/{id}`] = instancePath;
  const history = (operationId: string, summary: string) => ({
    operationId,
    summary,
    tags,
    parameters: common('_count', '_since'),
    responses: { '200': ok('history Bundle', bundle), ...errors('BadRequest', ...AUTH) },
  });
  if (has.has('history-instance'))
    paths[`/${type}/{id}/_history`] = {
      parameters: common('id'),
      get: history(`history${type}Instance`, `History of one ${type}`),
    };
  if (has.has('vread')) {
    paths[`/${type}/{id}/_history/{vid}`] = {
      parameters: common('id', 'vid'),
      get: {
        operationId: `vread${type}`,
        summary: `Read a version of ${type}`,
        tags,
        responses: { '200': ok(type, resource(type)), ...errors(...AUTH, 'NotFound', 'Gone') },
      },
    };
  }
  if (has.has('history-type'))
    paths[`/${type}/_history`] = { get: history(`history${type}Type`, `History of all ${type} resources`) };
  for (const op of entry.operation ?? [])
    Object.assign(
      paths,
      operationPaths(
        op,
        operations.find((o) => o.name === op.name && o.resourceTypes.includes(type)),
        type,
      ),
    );
  return paths;
}

/** `$op` at type and/or instance level (the level comes from the server's operation table; both when unknown). */
export function operationPaths(
  op: CapabilityStatementRestResourceOperation,
  known: OperationDefinitionRef | undefined,
  type?: string,
): Paths {
  const tags = [type ?? 'System'];
  const levels: Array<['system' | 'type' | 'instance', string]> = [];
  if (!type) levels.push(['system', `/$${op.name}`]);
  if (type && (known?.type ?? true)) levels.push(['type', `/${type}/$${op.name}`]);
  if (type && (known?.instance ?? true)) levels.push(['instance', `/${type}/{id}/$${op.name}`]);
  const paths: Paths = {};
  for (const [level, path] of levels) {
    const id = `${op.name.replace(/[^A-Za-z0-9]/g, '_')}${type ?? ''}${level === 'instance' ? 'Instance' : ''}`;
    const description = `${op.documentation ?? ''} Definition: ${op.definition}`.trim();
    const responses = {
      '200': ok('The operation result', ref('schemas', 'Resource')),
      ...errors('BadRequest', ...AUTH, 'NotFound', 'Unprocessable'),
    };
    const item: PathItem = level === 'instance' ? { parameters: common('id') } : {};
    item.post = {
      operationId: `op_${id}`,
      summary: `$${op.name}`,
      description,
      tags,
      requestBody: { required: false, content: json(ref('schemas', 'Resource')) },
      responses,
    };
    if (known && !known.affectsState)
      item.get = {
        operationId: `op_${id}_get`,
        summary: `$${op.name} (parameters in the query)`,
        description,
        tags,
        responses,
      };
    paths[path] = item;
  }
  return paths;
}
