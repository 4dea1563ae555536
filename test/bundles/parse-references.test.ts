import type { OperationOutcome } from 'fhir/r4';
import { FhirError } from '../../src/fhir/outcome';
import { transactionOrder } from '../../src/fhir/bundle/order';
import { parseBundle, splitUrl } from '../../src/fhir/bundle/parse';
import { fullUrlBase, rewriteLinks, rewriteQueryString } from '../../src/fhir/bundle/references';
import { statusLine, successEntry, transactionFailure } from '../../src/fhir/bundle/response';

const BASE = 'http://localhost:8080/fhir';

function bundle(type: string, entry: unknown[]): unknown {
  return { resourceType: 'Bundle', type, entry };
}

function expectFhirError(fn: () => unknown, status: number): FhirError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(status);
    return error as FhirError;
  }
  throw new Error('expected a FhirError');
}

describe('parseBundle', () => {
  it('refuses what is not a batch or transaction Bundle', () => {
    expectFhirError(() => parseBundle({ resourceType: 'Patient' }, BASE, 10), 400);
    expectFhirError(() => parseBundle(bundle('collection', []), BASE, 10), 400);
    expectFhirError(() => parseBundle(bundle('searchset', []), BASE, 10), 400);
    expectFhirError(() => parseBundle({ resourceType: 'Bundle', type: 'batch', entry: {} }, BASE, 10), 400);
  });

  it('refuses more entries than maxBundleEntries with 413', () => {
    const entries = Array.from({ length: 3 }, () => ({ request: { method: 'GET', url: 'Patient' } }));
    expectFhirError(() => parseBundle(bundle('batch', entries), BASE, 2), 413);
  });

  it('plans requests: method, path, query, headers, absolute urls on this server', () => {
    const parsed = parseBundle(
      bundle('transaction', [
        { request: { method: 'GET', url: `${BASE}/Patient?name=smith&name=jones` } },
        {
          fullUrl: 'urn:uuid:1',
          resource: { resourceType: 'Patient' },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=a|b' },
        },
        { resource: { resourceType: 'Patient', id: 'p1' }, request: { method: 'PUT', url: '/Patient/p1', ifMatch: 'W/"2"' } },
        { request: { method: 'DELETE', url: 'Patient?identifier=x|y' } },
      ]),
      BASE,
      10,
    );
    expect(parsed.kind).toBe('transaction');
    expect(parsed.rejected).toEqual([]);
    const [get, post, put, del] = parsed.entries;
    expect(get?.request).toMatchObject({ method: 'GET', path: 'Patient', query: [['name', 'smith'], ['name', 'jones']] });
    expect(post?.request.headers['if-none-exist']).toBe('identifier=a|b');
    expect(put).toMatchObject({ id: 'p1', conditional: false });
    expect(put?.request.headers['if-match']).toBe('W/"2"');
    expect(del).toMatchObject({ resourceType: 'Patient', conditional: true });
    expect(del?.request.query).toEqual([['identifier', 'x|y']]);
  });

  it('rejects malformed entries one by one (a batch answers each, a transaction fails)', () => {
    const parsed = parseBundle(
      bundle('batch', [
        { request: { method: 'GET', url: 'Patient/1' } },
        { resource: { resourceType: 'Patient' } },
        { request: { method: 'TRACE', url: 'Patient' } },
        { request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'PUT', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        { request: { method: 'GET', url: 'http://elsewhere.example/fhir/Patient/1' } },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Patient' } },
        { request: { method: 'POST', url: '' }, resource: { resourceType: 'Bundle' } },
      ]),
      BASE,
      20,
    );
    expect(parsed.entries.map((e) => e.index)).toEqual([0]);
    expect(parsed.rejected.map((r) => [r.index, r.error.status])).toEqual([
      [1, 400],
      [2, 400],
      [3, 400],
      [4, 400],
      [5, 400],
      [6, 400],
      [7, 400],
    ]);
    expect(parsed.rejected[0]?.error.issues[0]?.expression).toEqual(['Bundle.entry[1].request']);
  });

  it('decodes a JSON Patch carried as a Binary', () => {
    const patch = [{ op: 'replace', path: '/active', value: false }];
    const parsed = parseBundle(
      bundle('batch', [
        {
          request: { method: 'PATCH', url: 'Patient/p1' },
          resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(patch)).toString('base64') },
        },
      ]),
      BASE,
      5,
    );
    expect(parsed.entries[0]?.request.body).toEqual(patch);
    expect(parsed.entries[0]?.request.headers['content-type']).toBe('application/json-patch+json');
  });

  it('splitUrl strips the base and keeps repeated parameters', () => {
    expect(splitUrl(`${BASE}/Observation?code=a,b&code=c`, BASE, 'x')).toEqual({
      path: 'Observation',
      query: [['code', 'a,b'], ['code', 'c']],
    });
    expectFhirError(() => splitUrl('https://other.example/Patient/1', BASE, 'x'), 400);
  });
});

describe('reference rewriting', () => {
  const map = new Map([
    ['urn:uuid:p', 'Patient/123'],
    ['http://example.org/fhir/Practitioner/old', 'Practitioner/456'],
  ]);

  it('rewrites references anywhere: nested, contained, extensions, uri values and narrative links', () => {
    const resource = {
      resourceType: 'Observation',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><a href="urn:uuid:p">p</a> <img src="urn:uuid:q"/></div>' },
      subject: { reference: 'urn:uuid:p' },
      performer: [{ reference: 'urn:uuid:unknown' }],
      component: [{ extension: [{ url: 'http://x', valueReference: { reference: 'urn:uuid:p' } }] }],
      contained: [{ resourceType: 'Provenance', target: [{ reference: 'urn:uuid:p' }] }],
      derivedFrom: [{ reference: '#contained' }],
      note: [{ text: 'urn:uuid:p' }],
      identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:p', assigner: { reference: 'urn:uuid:p' } }],
      valueAttachment: { url: 'urn:uuid:p' },
      instantiatesUri: ['urn:uuid:p'],
    };
    const conditionals = rewriteLinks(resource, map);
    expect(conditionals).toEqual([]);
    expect(resource.subject.reference).toBe('Patient/123');
    expect(resource.performer[0]?.reference).toBe('urn:uuid:unknown');
    expect(resource.component[0]?.extension[0]?.valueReference.reference).toBe('Patient/123');
    expect(resource.contained[0]?.target[0]?.reference).toBe('Patient/123');
    expect(resource.derivedFrom[0]?.reference).toBe('#contained');
    expect(resource.valueAttachment.url).toBe('Patient/123');
    expect(resource.instantiatesUri[0]).toBe('Patient/123');
    expect(resource.text.div).toContain('href="Patient/123"');
    expect(resource.text.div).toContain('src="urn:uuid:q"');
    // Identifier values are data, not links.
    expect(resource.identifier[0]?.value).toBe('urn:uuid:p');
    expect(resource.identifier[0]?.assigner.reference).toBe('Patient/123');
    expect(resource.note[0]?.text).toBe('urn:uuid:p');
  });

  it('resolves relative references against the entry base of an absolute fullUrl', () => {
    const resource = { resourceType: 'Encounter', participant: [{ individual: { reference: 'Practitioner/old' } }] };
    rewriteLinks(resource, map, fullUrlBase('http://example.org/fhir/Encounter/e1'));
    expect(resource.participant[0]?.individual.reference).toBe('Practitioner/456');
    const other = { resourceType: 'Encounter', participant: [{ individual: { reference: 'Practitioner/old' } }] };
    rewriteLinks(other, map, undefined);
    expect(other.participant[0]?.individual.reference).toBe('Practitioner/old');
  });

  it('collects conditional references for later resolution', () => {
    const resource = { resourceType: 'Observation', subject: { reference: 'Patient?identifier=http://mrn|42' } };
    const found = rewriteLinks(resource, new Map());
    expect(found).toHaveLength(1);
    expect(found[0]?.value).toBe('Patient?identifier=http://mrn|42');
    found[0]!.holder[found[0]!.key] = 'Patient/9';
    expect(resource.subject.reference).toBe('Patient/9');
  });

  it('rewrites placeholders inside If-None-Exist queries', () => {
    expect(rewriteQueryString('subject=urn:uuid:p&code=x', map)).toBe('subject=Patient%2F123&code=x');
    expect(rewriteQueryString('code=x', map)).toBe('code=x');
  });
});

describe('ordering and responses', () => {
  it('orders DELETE, POST, PUT/PATCH, GET/HEAD, stable within a group', () => {
    const parsed = parseBundle(
      bundle('transaction', [
        { request: { method: 'GET', url: 'Patient/a' } },
        { request: { method: 'PUT', url: 'Patient/b' }, resource: { resourceType: 'Patient', id: 'b' } },
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/c' } },
        { request: { method: 'HEAD', url: 'Patient/d' } },
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/e' } },
      ]),
      BASE,
      10,
    );
    expect(transactionOrder(parsed.entries).map((e) => e.index)).toEqual([3, 6, 2, 5, 1, 0, 4]);
  });

  it('builds response entries with status line, location, etag and an instant lastModified', () => {
    const entry = successEntry(
      {
        status: 201,
        body: { resourceType: 'Patient', id: 'p1', meta: { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' } },
        headers: { Location: `${BASE}/Patient/p1/_history/1`, ETag: 'W/"1"', 'Last-Modified': 'Wed, 01 May 2024 10:00:00 GMT' },
      },
      BASE,
    );
    expect(entry).toEqual({
      fullUrl: `${BASE}/Patient/p1`,
      resource: { resourceType: 'Patient', id: 'p1', meta: { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' } },
      response: { status: '201 Created', location: `${BASE}/Patient/p1/_history/1`, etag: 'W/"1"', lastModified: '2024-05-01T10:00:00.000Z' },
    });
    const minimal = successEntry({ status: 204, headers: { 'Last-Modified': 'Wed, 01 May 2024 10:00:00 GMT' } }, BASE);
    expect(minimal).toEqual({ response: { status: '204 No Content', lastModified: '2024-05-01T10:00:00.000Z' } });
    const informational: OperationOutcome = { resourceType: 'OperationOutcome', issue: [] };
    const asOutcome = successEntry({ status: 200, body: informational }, BASE);
    expect(asOutcome.resource).toBeUndefined();
    expect(asOutcome.response?.outcome).toEqual({ resourceType: 'OperationOutcome', issue: [] });
    expect(statusLine(412)).toBe('412 Precondition Failed');
  });

  it('locates a transaction failure on its entry', () => {
    const original = new FhirError(422, [{ severity: 'error', code: 'invalid', diagnostics: 'bad gender', expression: ['Patient.gender'] }]);
    const failure = transactionFailure(3, 'POST', 'Patient', original);
    expect(failure.status).toBe(422);
    expect(failure.issues[0]?.diagnostics).toBe('Bundle.entry[3] (POST Patient): bad gender');
    expect(failure.issues[0]?.expression).toEqual(['Bundle.entry[3]', 'Bundle.entry[3].resource.gender']);
  });
});
