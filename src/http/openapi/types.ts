/** The slice of OpenAPI 3.1 that Telefhir's document uses (https://spec.openapis.org/oas/v3.1.0). */
export type SchemaObject = Record<string, unknown>;

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: SchemaObject;
}

export type Ref = { $ref: string };

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Array<ParameterObject | Ref>;
  requestBody?: { required: boolean; content: Record<string, { schema: SchemaObject | Ref }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: SchemaObject | Ref }> } | Ref
  >;
  security?: Array<Record<string, string[]>>;
}

export type PathItem = Partial<
  Record<'get' | 'put' | 'post' | 'delete' | 'patch' | 'head', OperationObject>
> & { parameters?: Array<ParameterObject | Ref> };

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  externalDocs: { url: string; description: string };
  tags: Array<{ name: string; description?: string; externalDocs?: { url: string } }>;
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, SchemaObject>;
    parameters: Record<string, ParameterObject>;
    responses: Record<
      string,
      { description: string; content: Record<string, { schema: SchemaObject | Ref }> }
    >;
    securitySchemes?: Record<string, SchemaObject>;
  };
  security?: Array<Record<string, string[]>>;
}
