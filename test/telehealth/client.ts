import type { Resource } from 'fhir/r4';
import type { FhirMethod, FhirSettings } from '../../src/fhir/request';
import { telehealthModule, type TelehealthConfig } from '../../src/telehealth';
import { makeTestApp } from '../helpers/app';
import { sender, type Reply } from '../helpers/send';

export type { Reply } from '../helpers/send';

/** The telehealth tests' server: the HTTP app wired with the telehealth module, over supertest. */
export interface TelehealthClient {
  send(method: FhirMethod, target: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export async function openTelehealth(config: Partial<TelehealthConfig> = {}, settings: Partial<FhirSettings> = {}): Promise<TelehealthClient> {
  const testApp = await makeTestApp({ settings: { maxBundleEntries: 5000, ...settings }, ...telehealthModule(config) });
  return { send: sender(testApp.app), close: () => testApp.close() };
}

/** Creates `resource` and returns it as stored (fails the test on anything but 201). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function created(client: TelehealthClient, resource: Resource): Promise<any> {
  const res = await client.send('POST', resource.resourceType, resource);
  if (res.status !== 201) throw new Error(`create ${resource.resourceType} → ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
