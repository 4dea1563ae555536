import { UNRESTRICTED } from '../../src/fhir/access/context';
import type { FhirContext } from '../../src/fhir/request';
import { call, settings } from '../core/helpers';
import { engines } from '../search/engines';
import { observation, post, transaction } from './client';

/**
 * Atomicity on both storage engines: a transaction whose last entry is invalid leaves no trace
 * (current and history collections), checked on the store itself, not through search.
 */
describe.each(engines)('transaction atomicity on the $name engine', (engine) => {
  let ctx: FhirContext;
  let cleanup: () => Promise<void>;
  const marker = `rollback-${Date.now()}-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    const opened = await engine.open();
    cleanup = opened.cleanup;
    ctx = {
      store: opened.store,
      settings: settings({ maxBundleEntries: 100 }),
      operations: [],
      beforeWrite: [],
      afterWrite: [],
      access: UNRESTRICTED,
      requestId: 'rollback-test',
    };
  });
  afterAll(() => cleanup());

  it('an entry that fails validation rolls back every other entry', async () => {
    const bundle = transaction([
      post({ resourceType: 'Patient', identifier: [{ system: 'urn:test', value: marker }] } as never, 'urn:uuid:5e1e1e1e-0000-4000-8000-000000000001'),
      post({ ...observation('urn:uuid:5e1e1e1e-0000-4000-8000-000000000001'), identifier: [{ system: 'urn:test', value: marker }] } as never),
      post({ resourceType: 'Observation', status: 'bogus-status', code: { text: 'x' }, identifier: [{ system: 'urn:test', value: marker }] } as never),
    ]);
    const res = await call(ctx, 'POST', '', { body: bundle });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.issue[0].expression).toContain('Bundle.entry[2]');
    const filter = { 'resource.identifier.value': marker };
    for (const name of ['Patient', 'Patient_history', 'Observation', 'Observation_history']) {
      expect(await ctx.store.collection(name).countDocuments(filter)).toBe(0);
    }
  });

  it('the same bundle without the bad entry commits both resources', async () => {
    const ok = `${marker}-ok`;
    const bundle = transaction([
      post({ resourceType: 'Patient', identifier: [{ system: 'urn:test', value: ok }] } as never, 'urn:uuid:5e1e1e1e-0000-4000-8000-000000000002'),
      post({ ...observation('urn:uuid:5e1e1e1e-0000-4000-8000-000000000002'), identifier: [{ system: 'urn:test', value: ok }] } as never),
    ]);
    const res = await call(ctx, 'POST', '', { body: bundle });
    expect(res.status).toBe(200);
    const filter = { 'resource.identifier.value': ok };
    expect(await ctx.store.collection('Patient').countDocuments(filter)).toBe(1);
    expect(await ctx.store.collection('Observation').countDocuments(filter)).toBe(1);
  });
});
