import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { startAuthServer, type AuthServer } from '../auth/harness';
import { telehealthModule } from '../../src/telehealth';

/** /fhir/openapi.json (OpenAPI 3.1 from the CapabilityStatement) and its viewer page. */
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  servers: Array<{ url: string }>;
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        parameters?: Array<{ name?: string; in?: string; $ref?: string }>;
        responses?: Record<string, unknown>;
      }
    >
  >;
  components: {
    securitySchemes?: Record<
      string,
      { type: string; flows?: Record<string, { tokenUrl?: string; authorizationUrl?: string }> }
    >;
  } & Record<string, Record<string, unknown>>;
  security?: unknown[];
};

let s: AuthServer;
let doc: Doc;
let statement: {
  rest: Array<{
    resource: Array<{
      type: string;
      interaction: Array<{ code: string }>;
      searchParam?: Array<{ name: string }>;
      operation?: Array<{ name: string }>;
    }>;
  }>;
};
beforeAll(async () => {
  s = await startAuthServer();
  const res = await request(s.app).get('/fhir/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = JSON.parse(res.text) as Doc;
  statement = (await request(s.app).get('/fhir/metadata')).body;
}, 180_000);
afterAll(() => s.close());

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

describe('the OpenAPI document', () => {
  it('is public and OpenAPI 3.1 with the FHIR base as server', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toContain('FHIR');
    expect(doc.servers).toEqual([{ url: `${s.base}` }]);
  });

  it('has the Patient paths of every interaction, with its search parameters', () => {
    expect(Object.keys(doc.paths['/Patient'] ?? {}).sort()).toEqual(['delete', 'get', 'post', 'put']);
    expect(Object.keys(doc.paths['/Patient/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'parameters',
      'patch',
      'put',
    ]);
    expect(doc.paths['/Patient/{id}/_history/{vid}']?.get).toBeDefined();
    expect(doc.paths['/Patient/{id}/_history']?.get).toBeDefined();
    expect(doc.paths['/Patient/_history']?.get).toBeDefined();
    expect(doc.paths['/Patient/_search']?.post).toBeDefined();
    const names = (doc.paths['/Patient']?.get?.parameters ?? []).map((p) => p.name ?? p.$ref);
    for (const name of [
      'family',
      'birthdate',
      'identifier',
      '_id',
      '_lastUpdated',
      '#/components/parameters/_count',
    ])
      expect(names).toContain(name);
    expect(doc.paths['/']?.post?.operationId).toBe('transactionOrBatch');
    expect(doc.paths['/metadata']?.get).toBeDefined();
  });

  it('covers every type, interaction, search parameter and operation of the CapabilityStatement', () => {
    const resources = statement.rest[0]?.resource ?? [];
    expect(resources.length).toBeGreaterThan(140);
    for (const r of resources) {
      const codes = new Set(r.interaction.map((i) => i.code));
      if (codes.has('search-type')) {
        const names = new Set((doc.paths[`/${r.type}`]?.get?.parameters ?? []).map((p) => p.name));
        for (const p of r.searchParam ?? [])
          if (!p.name.startsWith('_') || p.name === '_id')
            expect({ type: r.type, param: p.name, found: names.has(p.name) }).toEqual({
              type: r.type,
              param: p.name,
              found: true,
            });
      }
      if (codes.has('read')) expect(doc.paths[`/${r.type}/{id}`]?.get).toBeDefined();
      if (codes.has('create')) expect(doc.paths[`/${r.type}`]?.post).toBeDefined();
      for (const op of r.operation ?? [])
        expect(
          Object.keys(doc.paths).some((p) => p.startsWith(`/${r.type}/`) && p.endsWith(`/$${op.name}`)),
        ).toBe(true);
    }
  });

  it('declares the SMART oauth2 scheme with the server endpoints, and a bearer scheme', () => {
    const smart = doc.components.securitySchemes?.smart;
    expect(smart?.type).toBe('oauth2');
    expect(smart?.flows?.clientCredentials?.tokenUrl).toBe(`${s.origin}/auth/token`);
    expect(smart?.flows?.authorizationCode?.authorizationUrl).toBe(`${s.origin}/auth/authorize`);
    expect(doc.components.securitySchemes?.bearer?.type).toBe('http');
    expect(doc.security).toEqual([{ smart: [] }, { bearer: [] }]);
  });

  it('is well-formed: unique operationIds, declared path parameters, resolvable $refs, responses everywhere', () => {
    const ids = new Set<string>();
    const refs: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else collect(v);
        }
      }
    };
    collect(doc);
    for (const r of new Set(refs)) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(r) ?? [];
      expect({ r, resolved: Boolean(kind && name && doc.components[kind]?.[name]) }).toEqual({
        r,
        resolved: true,
      });
    }
    const resolve = (p: { name?: string; in?: string; $ref?: string }) =>
      p.$ref
        ? (doc.components.parameters?.[p.$ref.split('/').pop() as string] as { name: string; in: string })
        : p;
    for (const [template, item] of Object.entries(doc.paths)) {
      expect(template.startsWith('/')).toBe(true);
      const declaredAtPath =
        (item.parameters as unknown as Array<{ name?: string; in?: string; $ref?: string }> | undefined) ??
        [];
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        const op = item[method] as NonNullable<Doc['paths'][string][string]>;
        expect(op.operationId).toBeDefined();
        expect(ids.has(op.operationId as string)).toBe(false);
        ids.add(op.operationId as string);
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
        const pathParams = [...declaredAtPath, ...(op.parameters ?? [])]
          .map(resolve)
          .filter((p) => p?.in === 'path')
          .map((p) => p?.name);
        for (const [, name] of template.matchAll(/\{(\w+)\}/g))
          expect({ template, method, name, declared: pathParams.includes(name) }).toEqual({
            template,
            method,
            name,
            declared: true,
          });
      }
    }
    expect(ids.size).toBeGreaterThan(1000);
  });
});

describe('a subset by type', () => {
  it('keeps the System paths and the named types only', async () => {
    const res = await request(s.app).get('/fhir/openapi.json?_type=Patient,Slot,<script>');
    expect(res.status).toBe(200);
    const subset = JSON.parse(res.text) as Doc & { tags: Array<{ name: string }> };
    expect(subset.tags.map((t) => t.name).sort()).toEqual(['Patient', 'Slot', 'System']);
    expect(subset.paths['/Patient/{id}']).toBeDefined();
    expect(subset.paths['/Slot']).toBeDefined();
    expect(subset.paths['/Observation']).toBeUndefined();
    expect(subset.paths['/metadata']).toBeDefined();
    expect(subset.components.securitySchemes?.smart).toBeDefined();
  });
});

describe('the viewer page', () => {
  it('serves Swagger UI from swagger-ui-dist, without a token, under a strict CSP', async () => {
    const page = await request(s.app).get('/fhir/openapi');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('/fhir/openapi/assets/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/<script>[^<]/);
    for (const asset of [
      'swagger-ui-bundle.js',
      'swagger-ui.css',
      'swagger-ui-standalone-preset.js',
      'init.js',
      'oauth2-redirect.html',
    ]) {
      const res = await request(s.app).get(`/fhir/openapi/assets/${asset}`);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
    }
    const init = (await request(s.app).get('/fhir/openapi/assets/init.js')).text;
    expect(init).toContain("url: '/fhir/openapi.json?_type=Patient,");
    expect(init).toContain("url: '/fhir/openapi.json' }");
    expect((await request(s.app).get('/fhir/openapi/assets/package.json')).status).toBe(404);
    expect((await request(s.app).get('/fhir/openapi/assets/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('without authorization', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await makeTestApp({ ...telehealthModule() });
  });
  afterAll(() => app.close());

  it('declares no security scheme', async () => {
    const res = await request(app.app).get('/fhir/openapi.json');
    expect(res.status).toBe(200);
    const plain = JSON.parse(res.text) as Doc;
    expect(plain.components.securitySchemes).toBeUndefined();
    expect(plain.security).toBeUndefined();
    // operations at the level they are defined on; GET only for those that change nothing
    expect(plain.paths['/Appointment/$book']?.post).toBeDefined();
    expect(plain.paths['/Appointment/$book']?.get).toBeUndefined();
    expect(plain.paths['/Appointment/{id}/$start-visit']?.post).toBeDefined();
  });
});
