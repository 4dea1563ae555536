import type { Bundle, BundleEntry } from 'fhir/r4';
import { findMatches, indexSpecsFor, searchParamsFor } from '../../src/fhir/search/api';
import { indexResource } from '../../src/fhir/search/api';
import type { ResourceDocument } from '../../src/fhir/resource-document';
import { BASE, call } from '../core/helpers';
import { engines, openLoaded, type LoadedEngine } from './engines';
import { TAG_SYSTEM, withMarker } from './fixtures';

/** Result parameters, paging, includes, compartments, system search, POST _search and lenient handling. */
describe.each(engines)('search results on the $name engine', (engine) => {
  let loaded: LoadedEngine;
  beforeAll(async () => {
    loaded = await openLoaded(engine);
  });
  afterAll(async () => loaded.cleanup());

  const narrow = (target: string) => {
    const resolved = withMarker(target, loaded.marker);
    if (!engine.shared) return resolved;
    return `${resolved}${resolved.includes('?') ? '&' : '?'}_tag=${encodeURIComponent(`${TAG_SYSTEM}|${loaded.marker}`)}`;
  };
  const get = async (target: string, headers: Record<string, string> = {}) => call(loaded.ctx, 'GET', narrow(target), { headers });
  const short = (id: string | undefined) => (id ?? '').replace(`${loaded.marker}-`, '');
  const ids = (bundle: Bundle, mode: 'match' | 'include' = 'match') =>
    (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => `${e.resource?.resourceType}/${short(e.resource?.id)}`);
  const relative = (url: string) => url.slice(BASE.length).replace(/^\//, '');
  const linkOf = (bundle: Bundle, relation: string) => bundle.link?.find((l) => l.relation === relation)?.url;

  test('keyset paging walks every match once, forwards and backwards', async () => {
    const first = await get('Observation?_sort=date&_count=3');
    expect(first.status).toBe(200);
    const seen: string[] = ids(first.body);
    expect(linkOf(first.body, 'previous')).toBeUndefined();
    let next = linkOf(first.body, 'next');
    const pages: Bundle[] = [first.body];
    while (next) {
      const page = await call(loaded.ctx, 'GET', relative(next));
      expect(page.status).toBe(200);
      seen.push(...ids(page.body));
      pages.push(page.body);
      next = linkOf(page.body, 'next');
    }
    // Sorted on the start of each date range: o6 (`2024`, the whole year) starts on 2024-01-01.
    expect(seen).toEqual(['o8', 'o3', 'o6', 'o1', 'o5', 'o4', 'o7', 'o2'].map((id) => `Observation/${id}`));
    expect(pages).toHaveLength(3);
    const back = await call(loaded.ctx, 'GET', relative(linkOf(pages[2] as Bundle, 'previous') as string));
    expect(ids(back.body)).toEqual(['Observation/o1', 'Observation/o5', 'Observation/o4']);
    const backAgain = await call(loaded.ctx, 'GET', relative(linkOf(back.body, 'previous') as string));
    expect(ids(backAgain.body)).toEqual(['Observation/o8', 'Observation/o3', 'Observation/o6']);
    expect(linkOf(backAgain.body, 'previous')).toBeUndefined();
    expect(first.body.total).toBe(8);
  });

  test('a cursor keeps its place while resources are added and deleted', async () => {
    const first = await get('Patient?_sort=family&_count=1');
    expect(ids(first.body)).toEqual(['Patient/p3']);
    // A new patient sorting before the cursor must not shift the next page.
    const resource = withMarker({ resourceType: 'Patient', id: '~p0', name: [{ family: 'Adams' }], meta: { tag: [{ system: TAG_SYSTEM, code: loaded.marker }] } }, loaded.marker);
    const doc: ResourceDocument = { _id: resource.id, versionId: 1, lastUpdated: '2024-06-01T00:00:00.000Z', lastUpdatedMs: Date.parse('2024-06-01T00:00:00Z'), deleted: false, resource: resource as never, ...indexResource(resource as never) };
    await loaded.ctx.store.collection('Patient').insertOne(doc);
    try {
      const second = await call(loaded.ctx, 'GET', relative(linkOf(first.body, 'next') as string));
      expect(ids(second.body)).toEqual(['Patient/p1']);
      expect(second.body.total).toBe(4);
    } finally {
      await loaded.ctx.store.collection('Patient').deleteOne({ _id: resource.id });
    }
  });

  test('_count caps at the maximum page size, _count=0 and _summary=count give the total only', async () => {
    const capped = await get('Observation?_count=5000');
    expect(capped.status).toBe(200);
    expect(capped.body.entry).toHaveLength(8);
    for (const query of ['Observation?_count=0', 'Observation?_summary=count']) {
      const counted = await get(query);
      expect(counted.body.total).toBe(8);
      expect(counted.body.entry).toBeUndefined();
    }
  });

  test('_total=none omits the total, accurate and estimate give it', async () => {
    expect((await get('Observation?_total=none')).body.total).toBeUndefined();
    expect((await get('Observation?_total=accurate&_count=1')).body.total).toBe(8);
    expect((await get('Observation?_total=estimate&_count=1')).body.total).toBe(8);
  });

  test('entries carry fullUrl = base/type/id and search.mode, the self link echoes the parameters', async () => {
    const result = await get('Observation?code=8867-4&_sort=-date');
    const entry = result.body.entry[0] as BundleEntry;
    expect(entry.fullUrl).toBe(`${BASE}/Observation/${entry.resource?.id}`);
    expect(entry.search?.mode).toBe('match');
    expect(linkOf(result.body, 'self')).toContain(`${BASE}/Observation?code=8867-4&_sort=-date`);
    expect(result.body.type).toBe('searchset');
  });

  test('_summary=true keeps summary elements and tags the resource SUBSETTED', async () => {
    const result = await get('Patient?_id=~p1&_summary=true');
    const patient = result.body.entry[0].resource;
    expect(patient.name).toBeDefined();
    expect(patient.birthDate).toBe('1980-05-02');
    expect(patient.generalPractitioner).toBeUndefined();
    expect(patient.meta.tag).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SUBSETTED' })]));
  });

  test('_summary=text keeps text and mandatory elements, _summary=data drops text', async () => {
    const text = (await get('Observation?_id=~o1&_summary=text')).body.entry[0].resource;
    expect(text.status).toBe('final');
    expect(text.code).toBeDefined();
    expect(text.valueQuantity).toBeUndefined();
    const data = (await get('Observation?_id=~o1&_summary=data')).body.entry[0].resource;
    expect(data.valueQuantity.value).toBe(72);
    expect(data.text).toBeUndefined();
  });

  test('_elements keeps the listed elements plus mandatory ones', async () => {
    const obs = (await get('Observation?_id=~o1&_elements=subject,valueQuantity')).body.entry[0].resource;
    expect(Object.keys(obs).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject'].sort());
    const value = (await get('Observation?_id=~o1&_elements=value')).body.entry[0].resource;
    expect(value.valueQuantity.value).toBe(72);
    const patient = (await get('Patient?_id=~p1&_elements=Patient.gender')).body.entry[0].resource;
    expect(patient.gender).toBe('male');
    expect(patient.name).toBeUndefined();
  });

  test('_include adds referenced resources with mode include', async () => {
    const result = await get('Observation?code=8867-4&status=final&_include=Observation:patient&_include=Observation:performer');
    expect(ids(result.body).sort()).toEqual(['Observation/o1', 'Observation/o2']);
    expect(ids(result.body, 'include').sort()).toEqual(['Patient/p1', 'Practitioner/dr1']);
    expect(result.body.total).toBe(2);
  });

  test('_include with a target type, *, and :iterate', async () => {
    const typed = await get('Observation?_id=~o1&_include=Observation:subject:Patient');
    expect(ids(typed.body, 'include')).toEqual(['Patient/p1']);
    const star = await get('Observation?_id=~o1&_include=*');
    expect(ids(star.body, 'include').sort()).toEqual(['Encounter/e1', 'Patient/p1', 'Practitioner/dr1']);
    const iterate = await get('Observation?_id=~o4&_include=Observation:patient&_include:iterate=Patient:organization');
    expect(ids(iterate.body, 'include').sort()).toEqual(['Organization/org1', 'Patient/p2']);
    const noIterate = await get('Observation?_id=~o4&_include=Observation:patient&_include=Patient:organization');
    expect(ids(noIterate.body, 'include')).toEqual(['Patient/p2']);
  });

  test('_revinclude adds resources that point at the matches', async () => {
    const result = await get('Observation?_id=~o1,~o2&_revinclude=Provenance:target');
    expect(ids(result.body, 'include')).toEqual(['Provenance/prov1']);
    const patients = await get('Patient?_id=~p3&_revinclude=Observation:subject&_revinclude=RiskAssessment:subject');
    expect(ids(patients.body, 'include').sort()).toEqual(['Observation/o6', 'RiskAssessment/ra3']);
  });

  test('compartment search: Patient/[id]/[type] returns only that patient\'s resources', async () => {
    const all = await call(loaded.ctx, 'GET', narrow('Patient/~p1/Observation'));
    expect(all.status).toBe(200);
    expect(ids(all.body).sort()).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o5']);
    const coded = await call(loaded.ctx, 'GET', narrow('Patient/~p1/Observation?code=8867-4&_sort=-date'));
    expect(ids(coded.body)).toEqual(['Observation/o2', 'Observation/o1', 'Observation/o3']);
    expect(linkOf(coded.body, 'self')).toContain(`${BASE}/Patient/${loaded.marker}-p1/Observation?`);
    const encounters = await call(loaded.ctx, 'GET', narrow('Patient/~p2/Encounter'));
    expect(ids(encounters.body)).toEqual(['Encounter/e3']);
  });

  test('system search with _type merges types in sort order', async () => {
    const result = await call(loaded.ctx, 'GET', narrow('?_type=Patient,Practitioner&_sort=_lastUpdated&_count=3'));
    expect(result.status).toBe(200);
    expect(ids(result.body)).toEqual(['Practitioner/dr1', 'Practitioner/dr2', 'Patient/p1']);
    expect(result.body.total).toBe(5);
    const next = await call(loaded.ctx, 'GET', relative(linkOf(result.body, 'next') as string));
    expect(ids(next.body)).toEqual(['Patient/p2', 'Patient/p3']);
    const bad = await call(loaded.ctx, 'GET', '?_type=Nope');
    expect(bad.status).toBe(400);
  });

  test('POST [type]/_search takes form-encoded parameters, as a string or parsed pairs', async () => {
    const tag = engine.shared ? `&_tag=${encodeURIComponent(`${TAG_SYSTEM}|${loaded.marker}`)}` : '';
    const asString = await call(loaded.ctx, 'POST', 'Observation/_search', { body: `code=http%3A%2F%2Floinc.org%7C8867-4&status=final${tag}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(asString.status).toBe(200);
    expect(ids(asString.body).sort()).toEqual(['Observation/o1', 'Observation/o2']);
    const body: Record<string, string | string[]> = { patient: withMarker('~p1', loaded.marker), code: '8867-4' };
    if (engine.shared) body._tag = `${TAG_SYSTEM}|${loaded.marker}`;
    const asObject = await call(loaded.ctx, 'POST', 'Observation/_search', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(ids(asObject.body).sort()).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3']);
  });

  test('Prefer: handling=lenient ignores unknown parameters, reports them, and leaves them out of the self link', async () => {
    const strict = await get('Observation?code=8867-4&bogus=1');
    expect(strict.status).toBe(400);
    const lenient = await get('Observation?code=8867-4&bogus=1&date=notadate', { prefer: 'handling=lenient' });
    expect(lenient.status).toBe(200);
    expect(ids(lenient.body).sort()).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o7']);
    const outcome = lenient.body.entry.find((e: BundleEntry) => e.search?.mode === 'outcome');
    expect(outcome.resource.resourceType).toBe('OperationOutcome');
    expect(outcome.resource.issue).toHaveLength(2);
    expect(linkOf(lenient.body, 'self')).not.toContain('bogus');
    expect(linkOf(lenient.body, 'self')).not.toContain('notadate');
  });

  test('findMatches returns current, non-deleted documents and ignores result parameters', async () => {
    const found = await findMatches('Patient', [['family', 'smith'], ['_sort', 'family']], loaded.ctx, 10);
    const mine = found.filter((d) => d._id.startsWith(loaded.marker)).map((d) => short(d._id)).sort();
    expect(mine).toEqual(['p1', 'p2']);
    await expect(findMatches('Patient', [['nope', '1']], loaded.ctx)).rejects.toMatchObject({ status: 400 });
  });
});

describe('search definitions', () => {
  test('searchParamsFor lists HL7 parameters with canonical definitions', () => {
    const params = searchParamsFor('Observation');
    const code = params.find((p) => p.name === 'code');
    expect(code).toMatchObject({ type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/clinical-code' });
    expect(params.find((p) => p.name === 'code-value-quantity')?.type).toBe('composite');
    expect(params.find((p) => p.name === '_lastUpdated')?.type).toBe('date');
    expect(params.every((p) => p.definition?.startsWith('http://hl7.org/fhir/'))).toBe(true);
    expect(searchParamsFor('NotAType')).toEqual([]);
  });

  test('indexSpecsFor covers the common telehealth searches without two arrays in one compound index', () => {
    const keysOf = (type: string) => indexSpecsFor(type).map((s) => Object.keys(s.keys).join('+'));
    expect(keysOf('Patient')).toEqual(expect.arrayContaining(['idx.name:prefix+_id', 'idx.identifier+_id', 'idx.birthdate.lo', 'idx.birthdate.hi', 'lastUpdatedMs+_id']));
    expect(keysOf('Encounter')).toEqual(expect.arrayContaining(['idx.patient+idx.date:sort+_id', 'idx.status+_id', 'idx.class+_id']));
    expect(keysOf('Observation')).toEqual(expect.arrayContaining(['idx.patient+idx.date:sort+_id', 'idx.code+_id', 'idx.category+_id']));
    expect(keysOf('Appointment')).toEqual(expect.arrayContaining(['idx.patient+idx.date:sort+_id', 'idx.status+_id', 'idx.practitioner+_id', 'idx.actor+_id']));
    for (const type of ['Patient', 'Encounter', 'Observation', 'Appointment']) {
      for (const spec of indexSpecsFor(type)) {
        const multikey = Object.keys(spec.keys).filter((k) => k.startsWith('idx.') && !k.endsWith(':sort'));
        // a string is one value of a multikey array, so a prefix index counts as multikey too
        expect(multikey.length).toBeLessThanOrEqual(1);
      }
    }
  });
});
