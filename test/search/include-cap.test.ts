import type { Bundle, BundleEntry, OperationOutcome } from 'fhir/r4';
import { makeTestApp, type TestApp } from '../helpers/app';
import { sender } from '../helpers/send';

/** SEARCH_MAX_INCLUDED (searchMaxIncluded): includes past the cap are reported, never dropped silently. */
let server: TestApp;
let send: ReturnType<typeof sender>;
beforeAll(async () => {
  server = await makeTestApp({ settings: { searchMaxIncluded: 2 } });
  send = sender(server.app);
  for (let i = 0; i < 4; i++) {
    expect((await send('PUT', `Patient/p${i}`, { resourceType: 'Patient', id: `p${i}` })).status).toBe(201);
    const obs = { resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/p${i}` } };
    expect((await send('PUT', `Observation/o${i}`, obs)).status).toBe(201);
  }
});
afterAll(() => server.close());

const byMode = (bundle: Bundle, mode: string): BundleEntry[] => (bundle.entry ?? []).filter((e) => e.search?.mode === mode);

describe('_include cap', () => {
  it('adds a too-costly outcome entry when _include stops at the cap', async () => {
    const res = await send('GET', 'Observation?_include=Observation:subject&_count=4');
    expect(res.status).toBe(200);
    expect(byMode(res.body, 'match')).toHaveLength(4);
    expect(byMode(res.body, 'include')).toHaveLength(2);
    const outcome = byMode(res.body, 'outcome')[0]?.resource as OperationOutcome | undefined;
    expect(outcome?.issue).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'too-costly', diagnostics: expect.stringMatching(/stopped at 2 included resources.*_count below 4/) }),
    ]);
  });

  it('reports the cap for _revinclude too', async () => {
    const res = await send('GET', 'Patient?_revinclude=Observation:subject&_count=4');
    expect(byMode(res.body, 'include')).toHaveLength(2);
    expect(byMode(res.body, 'outcome')).toHaveLength(1);
  });

  it('says nothing when every included resource fits', async () => {
    const res = await send('GET', 'Observation?_include=Observation:subject&_count=2');
    expect(byMode(res.body, 'include')).toHaveLength(2);
    expect(byMode(res.body, 'outcome')).toEqual([]);
  });
});
