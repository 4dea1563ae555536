import { openClient, transaction, type TestClient } from './client';

/**
 * Bundle.entry.request elements of the wrong JSON type are refused with 400 naming the element
 * (a batch answers the entry, a transaction fails as a whole); request.ifNoneMatch `*` makes a PUT
 * create-only (RFC 9110 §13.1.2).
 */
let client: TestClient;
beforeAll(async () => {
  client = await openClient();
});
afterAll(() => client.close());

const patient = (id?: string) => ({ resourceType: 'Patient', ...(id ? { id } : {}), name: [{ family: 'Fields' }] });

const BAD_FIELDS: Array<[field: string, request: Record<string, unknown>]> = [
  ['method', { method: 7, url: 'Patient' }],
  ['url', { method: 'POST', url: { path: 'Patient' } }],
  ['ifNoneExist', { method: 'POST', url: 'Patient', ifNoneExist: { identifier: 'x' } }],
  ['ifNoneExist', { method: 'POST', url: 'Patient', ifNoneExist: 42 }],
  ['ifMatch', { method: 'PUT', url: 'Patient/f1', ifMatch: 1 }],
  ['ifNoneMatch', { method: 'PUT', url: 'Patient/f1', ifNoneMatch: ['*'] }],
  ['ifModifiedSince', { method: 'GET', url: 'Patient/f1', ifModifiedSince: 20240101 }],
];

describe('Bundle.entry.request field types', () => {
  it.each(BAD_FIELDS)('a batch answers a non-string request.%s with its own 400 entry', async (field, request) => {
    const resource = request.method === 'PUT' ? patient('f1') : patient();
    const res = await client.send('POST', '', transaction([{ resource: patient() as never, request: { method: 'POST', url: 'Patient' } }, { resource: resource as never, request: request as never }], 'batch'));
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^201/);
    const bad = res.body.entry[1].response;
    expect(bad.status).toMatch(/^400/);
    expect(bad.outcome.issue[0].code).toBe('invalid');
    expect(bad.outcome.issue[0].expression).toEqual([`Bundle.entry[1].request.${field}`]);
    expect(bad.outcome.issue[0].diagnostics).toContain('must be a string');
  });

  it('a transaction with a non-string request.ifNoneExist fails as a whole with 400', async () => {
    const res = await client.send('POST', '', transaction([
      { resource: patient() as never, request: { method: 'POST', url: 'Patient' } },
      { resource: patient() as never, request: { method: 'POST', url: 'Patient', ifNoneExist: { identifier: 'x' } } as never },
    ]));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toContain('Bundle.entry[1].request.ifNoneExist');
  });

  it('a non-string fullUrl is refused with 400 naming Bundle.entry[i].fullUrl', async () => {
    const res = await client.send('POST', '', transaction([{ fullUrl: 12 as never, resource: patient() as never, request: { method: 'POST', url: 'Patient' } }]));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toContain('Bundle.entry[0].fullUrl');
  });
});

describe('Bundle.entry.request.ifNoneMatch *', () => {
  it('creates when absent (201) and answers 412 once the resource exists', async () => {
    const put = { resource: patient('inm-bundle') as never, request: { method: 'PUT', url: 'Patient/inm-bundle', ifNoneMatch: '*' } as never };
    const first = await client.send('POST', '', transaction([put], 'batch'));
    expect(first.body.entry[0].response.status).toMatch(/^201/);
    const second = await client.send('POST', '', transaction([put], 'batch'));
    const answer = second.body.entry[0].response;
    expect(answer.status).toMatch(/^412/);
    expect(answer.outcome.issue[0].diagnostics).toContain('If-None-Match');
    const inTransaction = await client.send('POST', '', transaction([put]));
    expect(inTransaction.status).toBe(412);
    expect(inTransaction.body.resourceType).toBe('OperationOutcome');
  });
});
