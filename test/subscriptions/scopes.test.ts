import type { AccessContext } from '../../src/fhir/access/context';
import { dispatch } from '../../src/fhir/dispatch';
import type { FhirContext, FhirRequest } from '../../src/fhir/request';
import { fhir, startReceiver, startServer, waitFor, type Receiver, type SubsServer } from './harness';

/**
 * SMART scopes: the FHIR layer sees only an AccessContext, so the subscriber's Subscription is
 * written through dispatch with a patient-launch access (as the auth layer would build it).
 */
let server: SubsServer;
let receiver: Receiver;

const aliceApp = (): AccessContext => ({
  unrestricted: false,
  clientId: 'alice-app',
  patient: 'alice',
  scope: 'launch/patient patient/Observation.rs user/Subscription.cruds',
  grants: [
    { context: 'patient', resourceType: 'Observation', permissions: new Set(['r', 's'] as const) },
    { context: 'user', resourceType: 'Subscription', permissions: new Set(['c', 'r', 'u', 'd', 's'] as const) },
  ],
});

async function call(ctx: FhirContext, method: FhirRequest['method'], path: string, body?: unknown) {
  try {
    return await dispatch({ method, path, query: [], headers: {}, ...(body ? { body } : {}) }, ctx);
  } catch (error) {
    return { status: (error as { status?: number }).status ?? 500, body: undefined };
  }
}

beforeAll(async () => {
  server = await startServer();
  receiver = await startReceiver();
}, 180_000);
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const observation = (patient: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'heart rate' },
  subject: { reference: `Patient/${patient}` },
});

it("a patient-scoped app is only told about its patient's resources, even with broad criteria", async () => {
  const ctx = server.ctx({ access: aliceApp() });
  const created = await call(ctx, 'POST', 'Subscription', {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'alice',
    criteria: 'Observation',
    channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' },
  });
  expect(created.status).toBe(201);
  const id = created.body?.id as string;
  await waitFor(async () => (await fhir(server, 'GET', `Subscription/${id}`)).body.status === 'active', 'active');
  await fhir(server, 'POST', 'Observation', observation('bob'));
  const own = await fhir(server, 'POST', 'Observation', observation('alice'));
  await waitFor(() => receiver.received.length >= 1, 'a notification');
  await fhir(server, 'POST', 'Observation', observation('bob'));
  await server.subscriptions.deliverNow();
  const subjects = receiver.received.map((r) => (JSON.parse(r.body.toString()) as { id: string; subject: { reference: string } }));
  expect(subjects.map((s) => s.subject.reference)).toEqual(['Patient/alice']);
  expect(subjects[0]?.id).toBe(own.body.id);
});

it('refuses subscriptions on types the app may not search, or resources it may not read', async () => {
  const ctx = server.ctx({ access: aliceApp() });
  const subscription = (criteria: string, payload?: string) => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'alice',
    criteria,
    channel: { type: 'rest-hook', endpoint: receiver.url, ...(payload ? { payload } : {}) },
  });
  expect((await call(ctx, 'POST', 'Subscription', subscription('Condition'))).status).toBe(403);
  const searchOnly: AccessContext = {
    ...aliceApp(),
    scope: 'patient/Observation.s user/Subscription.c',
    grants: [
      { context: 'patient', resourceType: 'Observation', permissions: new Set(['s'] as const) },
      { context: 'user', resourceType: 'Subscription', permissions: new Set(['c'] as const) },
    ],
  };
  expect((await call(server.ctx({ access: searchOnly }), 'POST', 'Subscription', subscription('Observation', 'application/fhir+json'))).status).toBe(403);
  expect((await call(server.ctx({ access: searchOnly }), 'POST', 'Subscription', subscription('Observation'))).status).toBe(201);
});
