import type { Bundle } from 'fhir/r4';
import type { AccessContext } from '../../src/fhir/access/context';
import { findMatches } from '../../src/fhir/search/api';
import { call } from '../core/helpers';
import { engines, openLoaded, type LoadedEngine } from './engines';
import { withMarker } from './fixtures';

/**
 * The search engine ANDs searchRestriction into every query it runs — matches, includes,
 * revincludes, chained and _has inner queries, findMatches — so a patient-scoped token sees only
 * its compartment. The access module is replaced here by a patient-compartment restriction on
 * Patient/p1 with no search right on Organization.
 */
let mockPatient = '';
jest.mock('../../src/fhir/access/enforce', () => ({
  assertTypeAccess: (_access: unknown, _interaction: string, type: string) => {
    if (type === 'Organization') throw Object.assign(new Error('forbidden'), { status: 403 });
  },
  hasTypeAccess: (_access: unknown, _interaction: string, type: string) => type !== 'Organization',
  assertResourceAccess: () => undefined,
  searchRestriction: () => ({ compartments: `Patient/${mockPatient}` }),
}));

const PATIENT_SCOPE: AccessContext = { unrestricted: false, grants: [], patient: 'p1' };

describe.each(engines)('search access restriction on the $name engine', (engine) => {
  let loaded: LoadedEngine;
  beforeAll(async () => {
    loaded = await openLoaded(engine, { access: PATIENT_SCOPE });
    mockPatient = `${loaded.marker}-p1`;
  });
  afterAll(async () => loaded.cleanup());

  const ids = async (target: string, mode: 'match' | 'include' = 'match') => {
    const response = await call(loaded.ctx, 'GET', withMarker(target, loaded.marker));
    expect(response.status).toBe(200);
    return ((response.body as Bundle).entry ?? [])
      .filter((e) => e.search?.mode === mode)
      .map((e) => `${e.resource?.resourceType}/${(e.resource?.id ?? '').replace(`${loaded.marker}-`, '')}`)
      .sort();
  };

  test.each([
    ['Observation?_count=100', 'match', ['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o5']],
    ['Observation?patient=~p2', 'match', []],
    ['Patient?_count=100', 'match', ['Patient/p1']],
    ['Observation?_id=~o1&_include=Observation:performer&_include=Observation:patient', 'include', ['Patient/p1']],
    ['Patient?_id=~p1&_include=Patient:organization', 'include', []],
    ['Patient?_id=~p1&_revinclude=Observation:subject', 'include', ['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o5']],
    ['Patient?_id=~p1&_revinclude=Provenance:agent', 'include', []],
    ['Observation?patient.name=smithson', 'match', []],
    ['Observation?patient.name=smith', 'match', ['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o5']],
    ['Patient?_has:Observation:patient:code=29463-7', 'match', []],
    ['Patient?_has:Observation:patient:code=8867-4', 'match', ['Patient/p1']],
    ['Encounter?_count=100', 'match', ['Encounter/e1', 'Encounter/e2']],
    ['Appointment?practitioner=~dr2', 'match', []],
  ] as Array<[string, 'match' | 'include', string[]]>)('%s (%s)', async (target, mode, expected) => {
    expect(await ids(target, mode)).toEqual(expected);
  });

  test('findMatches applies the restriction too', async () => {
    const found = await findMatches('Observation', [['code', '8867-4']], loaded.ctx, 10);
    expect(found.map((d) => d._id.replace(`${loaded.marker}-`, '')).sort()).toEqual(['o1', 'o2', 'o3']);
  });

  test('a type the caller may not search is refused', async () => {
    await expect(call(loaded.ctx, 'GET', 'Organization?name=acme')).rejects.toMatchObject({ status: 403 });
  });
});
