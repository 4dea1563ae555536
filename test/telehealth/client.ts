import type { Resource } from 'fhir/r4';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { call, openTestContext } from '../core/helpers';
import type { FhirMethod, FhirSettings } from '../../src/fhir/request';
import { telehealthModule, type TelehealthConfig, type TelehealthModule } from '../../src/telehealth';

/**
 * The telehealth tests' server: over HTTP through the shared `makeTestApp` (test/helpers) when it
 * exists, wired with the telehealth module; until then straight through `dispatch`, the function
 * the HTTP layer calls, with the module's operations and hooks.
 */
export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Record<string, string>;
}

export interface TelehealthClient {
  readonly overHttp: boolean;
  /** The supertest target when over HTTP (raw Binary tests need it). */
  readonly app?: Parameters<typeof request>[0];
  send(method: FhirMethod, target: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

interface TestApp {
  app: Parameters<typeof request>[0];
  close(): Promise<void>;
}
type MakeTestApp = (options: Record<string, unknown>) => Promise<TestApp>;

function findMakeTestApp(): MakeTestApp | undefined {
  const dir = path.join(__dirname, '..', 'helpers');
  if (!existsSync(dir)) return undefined;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, file)) as { makeTestApp?: MakeTestApp };
    if (typeof mod.makeTestApp === 'function') return mod.makeTestApp;
  }
  return undefined;
}

export async function openTelehealth(config: Partial<TelehealthConfig> = {}, settings: Partial<FhirSettings> = {}): Promise<TelehealthClient> {
  const module: TelehealthModule = telehealthModule(config);
  const makeTestApp = findMakeTestApp();
  if (makeTestApp) {
    const testApp = await makeTestApp({ settings: { maxBundleEntries: 5000, ...settings }, telehealth: module, ...module });
    return {
      overHttp: true,
      app: testApp.app,
      send: async (method, target, body, headers = {}) => {
        const url = `/fhir/${target}`.replace(/\/$/, '');
        let req = request(testApp.app)[method === 'HEAD' ? 'head' : (method.toLowerCase() as 'get')](url).set('Accept', 'application/fhir+json');
        for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
        if (body !== undefined) req = req.set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
        const res = await req;
        return { status: res.status, body: res.text ? (JSON.parse(res.text) as unknown) : undefined, headers: res.headers as Record<string, string> };
      },
      close: () => testApp.close(),
    };
  }
  const server = await openTestContext({ operations: module.operations, beforeWrite: module.beforeWrite, afterWrite: module.afterWrite });
  server.ctx.settings = { ...server.ctx.settings, maxBundleEntries: 5000, ...settings };
  return {
    overHttp: false,
    send: async (method, target, body, headers = {}) =>
      call(server.ctx, method, target, { body, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }),
    close: () => server.close(),
  };
}

/** Creates `resource` and returns it as stored (fails the test on anything but 201). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function created(client: TelehealthClient, resource: Resource): Promise<any> {
  const res = await client.send('POST', resource.resourceType, resource);
  if (res.status !== 201) throw new Error(`create ${resource.resourceType} → ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
