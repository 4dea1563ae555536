import type { Bundle } from 'fhir/r4';
import { call } from '../core/helpers';
import {
  chainHasCases,
  dateCases,
  errorCases,
  numberQuantityCases,
  referenceCases,
  sortCases,
  stringCases,
  tokenCases,
  uriCompositeCases,
  type Case,
} from './cases';
import { engines, openLoaded, type LoadedEngine } from './engines';
import { TAG_SYSTEM, withMarker } from './fixtures';

const groups: Array<[string, Case[]]> = [
  ['string', stringCases],
  ['token', tokenCases],
  ['date', dateCases],
  ['number and quantity', numberQuantityCases],
  ['reference', referenceCases],
  ['chaining and _has', chainHasCases],
  ['uri and composite', uriCompositeCases],
  ['_sort', sortCases],
  ['refused queries', errorCases],
];

describe.each(engines)('search table on the $name engine', (engine) => {
  let loaded: LoadedEngine;
  beforeAll(async () => {
    loaded = await openLoaded(engine);
  });
  afterAll(async () => loaded.cleanup());

  /** Runs `query` (placeholders resolved, narrowed to this run on shared engines) and returns match ids. */
  async function run(query: string) {
    const { marker, ctx } = loaded;
    let target = withMarker(query, marker).replace(/\|/g, '%7C');
    if (engine.shared) target += `${target.includes('?') ? '&' : '?'}_tag=${encodeURIComponent(`${TAG_SYSTEM}|${marker}`)}`;
    if (!/[?&]_count=/.test(target)) target += '&_count=100';
    const response = await call(ctx, 'GET', target);
    const prefix = `${marker}-`;
    const ids =
      response.status === 200
        ? ((response.body as Bundle).entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => (e.resource?.id ?? '').replace(prefix, ''))
        : [];
    return { status: response.status, ids, body: response.body };
  }

  describe.each(groups)('%s', (_name, cases) => {
    // Rows are padded to three cells: a callback declaring more parameters than a row has would be
    // treated by jest as an async `done` callback.
    const rows = cases.map(([query, expected, ordered]) => [query, expected, ordered ?? 'any'] as const);
    test.each(rows)('%s', async (query, expected, ordered) => {
      const result = await run(query);
      if (typeof expected === 'number') {
        expect(result.status).toBe(expected);
        expect(result.body.resourceType).toBe('OperationOutcome');
        return;
      }
      expect(result.status).toBe(200);
      if (ordered === 'ordered') expect(result.ids).toEqual(expected);
      else expect([...result.ids].sort()).toEqual([...expected].sort());
      expect((result.body as Bundle).total).toBe(expected.length);
    });
  });
});
