import { patientEverything } from '../../src/fhir/operations/everything';
import { observationLastn } from '../../src/fhir/operations/lastn';
import { validateOperation } from '../../src/fhir/operations/validate';
import type { FhirSettings } from '../../src/fhir/request';
import { ensureStartupSearchIndexes } from '../../src/fhir/search/api';
import { warmUpSchemaValidator } from '../../src/fhir/validation';
import { warmUpProfileValidator } from '../../src/fhir/validation/profile';
import { telehealthModule } from '../../src/telehealth';
import { makeTestApp, type TestApp } from '../helpers/app';
import { sender } from '../helpers/send';

/**
 * The whole server as src/compose.ts wires it (generic operations + telehealth), on a fresh store,
 * warmed up as at start (validators compiled, search indexes built) so timings are steady-state.
 */
export async function composedTestServer(settings: Partial<FhirSettings> = {}): Promise<TestApp & { send: ReturnType<typeof sender> }> {
  const telehealth = telehealthModule();
  const testApp = await makeTestApp({
    settings: { validationMode: 'reject', ...settings },
    operations: [patientEverything, observationLastn, validateOperation, ...telehealth.operations],
    beforeWrite: telehealth.beforeWrite,
    afterWrite: telehealth.afterWrite,
    rawRoutes: telehealth.binaryRoutes,
  });
  warmUpSchemaValidator();
  warmUpProfileValidator();
  await ensureStartupSearchIndexes(testApp.store);
  return { ...testApp, send: sender(testApp.app) };
}

/** Runs `task` over `items` with at most `limit` in flight: modest parallelism for a shared machine. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
