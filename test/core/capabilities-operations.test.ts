import type { CapabilityStatement } from 'fhir/r4';
import { operationParameters } from '../../src/fhir/operations/registry';
import type { FhirRequest, OperationDefinitionRef } from '../../src/fhir/request';
import { call, openTestContext, type TestServer } from './helpers';

const calls: Array<{ type?: string; id?: string; parameters: Map<string, unknown[]> }> = [];
const echo = (over: Partial<OperationDefinitionRef>): OperationDefinitionRef => ({
  name: 'echo',
  definition: 'http://example.org/OperationDefinition/echo',
  resourceTypes: ['Patient'],
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  handler: async (c) => {
    calls.push({ type: c.resourceType, id: c.id, parameters: c.parameters });
    return { status: 200, body: { resourceType: 'Parameters' } };
  },
  ...over,
});

let server: TestServer;
beforeAll(async () => {
  server = await openTestContext({
    operations: [echo({}), echo({ name: 'touch', affectsState: true, system: true, type: false, instance: false, resourceTypes: [] })],
    settings: {
      baseUrl: 'http://localhost:8080/fhir',
      defaultPageSize: 20,
      maxPageSize: 100,
      maxBundleEntries: 100,
      validationMode: 'reject',
      security: { service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }] },
    },
  });
});
afterAll(() => server.close());

describe('capabilities', () => {
  it('describes what is implemented', async () => {
    const res = await call(server.ctx, 'GET', 'metadata');
    expect(res.status).toBe(200);
    const cs = res.body as CapabilityStatement;
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'] });
    expect(cs.software?.name).toBe('Telefhir');
    expect(cs.implementation?.url).toBe('http://localhost:8080/fhir');
    const rest = cs.rest?.[0];
    expect(rest?.security?.service?.[0]?.coding?.[0]?.code).toBe('SMART-on-FHIR');
    expect(rest?.resource).toHaveLength(146);
    const patient = rest?.resource?.find((r) => r.type === 'Patient');
    expect(patient?.interaction?.map((i) => i.code).sort()).toEqual(
      ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread'].sort(),
    );
    expect(patient).toMatchObject({ versioning: 'versioned-update', readHistory: true, updateCreate: true, conditionalCreate: true, conditionalUpdate: true, conditionalDelete: 'single', conditionalRead: 'not-supported' });
    expect(patient?.operation).toEqual([{ name: 'echo', definition: 'http://example.org/OperationDefinition/echo' }]);
    expect(rest?.operation?.map((o) => o.name)).toEqual(['touch']);
    expect(rest?.interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['history-system', 'search-system']));
    // cached: the same object is served while settings and operations stay the same
    expect((await call(server.ctx, 'GET', 'metadata')).body).toBe(res.body);
  });
});

describe('operations', () => {
  it('dispatches type and instance operations with GET query parameters', async () => {
    const p = await call(server.ctx, 'POST', 'Patient', { body: { resourceType: 'Patient' } });
    calls.length = 0;
    expect((await call(server.ctx, 'GET', 'Patient/$echo?a=1&a=2')).status).toBe(200);
    expect((await call(server.ctx, 'GET', `Patient/${p.body.id}/$echo`)).status).toBe(200);
    expect(calls.map((c) => [c.type, c.id])).toEqual([['Patient', undefined], ['Patient', p.body.id]]);
    expect(calls[0]?.parameters.get('a')).toEqual(['1', '2']);
  });

  it('answers 404 for unknown operations, 400 at the wrong level or type, 405 for GET of state-changing ones', async () => {
    expect((await call(server.ctx, 'GET', 'Patient/$nope')).status).toBe(404);
    expect((await call(server.ctx, 'GET', 'Observation/$echo')).status).toBe(400);
    expect((await call(server.ctx, 'GET', '$echo')).status).toBe(400);
    const get = await call(server.ctx, 'GET', '$touch');
    expect([get.status, get.headers.Allow]).toEqual([405, 'POST']);
    expect((await call(server.ctx, 'POST', '$touch', { body: { resourceType: 'Parameters' } })).status).toBe(200);
    expect((await call(server.ctx, 'GET', 'Patient/missing/$echo')).status).toBe(404);
  });

  it('parses Parameters bodies: values, resources, parts and a bare resource', () => {
    const req = (body: unknown): FhirRequest => ({ method: 'POST', path: '$x', query: [['q', '1']], headers: {}, body });
    const params = operationParameters(
      req({
        resourceType: 'Parameters',
        parameter: [
          { name: 'count', valueInteger: 3 },
          { name: 'res', resource: { resourceType: 'Patient' } },
          { name: 'group', part: [{ name: 'x', valueString: 'y' }] },
        ],
      }),
    );
    expect(params.get('q')).toEqual(['1']);
    expect(params.get('count')).toEqual([3]);
    expect(params.get('res')).toEqual([{ resourceType: 'Patient' }]);
    expect((params.get('group')?.[0] as Map<string, unknown[]>).get('x')).toEqual(['y']);
    expect(operationParameters(req({ resourceType: 'Patient' })).get('resource')).toEqual([{ resourceType: 'Patient' }]);
    expect(() => operationParameters(req([1]))).toThrow();
    expect(() => operationParameters(req({ resourceType: 'Parameters', parameter: [{ valueString: 'x' }] }))).toThrow();
  });
});
