import request from 'supertest';
import { createAuthModule } from '../../src/auth';
import { ADMIN_SECRET, createResource, registerBasics, tokensFor, type AuthServer } from '../auth/harness';
import { startReceiver, startServer, waitFor, type Receiver, type SubsServer } from './harness';

/**
 * AUTH=on over HTTP with real SMART tokens: a patient-launch app subscribes with broad criteria
 * and is told only of its patient's resources; loopback endpoints are refused unless allowed.
 */
let server: SubsServer;
let s: AuthServer;
let receiver: Receiver;
let alice: string;
let bob: string;

beforeAll(async () => {
  receiver = await startReceiver();
  // private addresses allowed here so that the loopback receiver can be used; the refusal is tested below
  server = await startServer({ allowPrivate: true }, undefined, undefined, async (store, baseUrl) =>
    createAuthModule({ store, baseUrl, adminClientSecret: ADMIN_SECRET }),
  );
  const admin = await request(server.app)
    .post('/auth/token')
    .auth('admin', ADMIN_SECRET)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'telefhir/admin system/*.cruds' });
  s = { app: server.app, store: server.store, base: server.baseUrl, origin: server.url, adminToken: admin.body.access_token as string, close: async () => undefined };
  alice = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Alice' }] });
  bob = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Bob' }] });
  await registerBasics(s, alice);
}, 180_000);
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const send = (token: string, method: 'post' | 'get', path: string, body?: unknown) => {
  const req = request(server.app)[method](`/fhir/${path}`).set('Authorization', `Bearer ${token}`).set('Accept', 'application/fhir+json');
  return body === undefined ? req : req.set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
};
const observation = (patient: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'heart rate' }, subject: { reference: `Patient/${patient}` } });

it("a patient-launch token's subscription hears only of its patient's Observations", async () => {
  const res = await tokensFor(s, { scope: 'launch/patient patient/Observation.rs user/Subscription.cruds' }, { patient: alice });
  expect(res.status).toBe(200);
  const token = res.body.access_token as string;
  const created = await send(token, 'post', 'Subscription', {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'app',
    criteria: 'Observation',
    channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' },
  });
  expect(created.status).toBe(201);
  await waitFor(async () => (await send(token, 'get', `Subscription/${created.body.id as string}`)).body.status === 'active', 'active');
  await send(s.adminToken, 'post', 'Observation', observation(bob));
  const own = await send(s.adminToken, 'post', 'Observation', observation(alice));
  await send(s.adminToken, 'post', 'Observation', observation(bob));
  await waitFor(() => receiver.received.length >= 1, 'a notification');
  await server.subscriptions.deliverNow();
  const sent = receiver.received.map((r) => JSON.parse(r.body.toString()) as { id: string; subject: { reference: string } });
  expect(sent.map((o) => [o.id, o.subject.reference])).toEqual([[own.body.id, `Patient/${alice}`]]);
  // a Condition subscription is outside the token's scopes
  const refused = await send(token, 'post', 'Subscription', { resourceType: 'Subscription', status: 'requested', reason: 'x', criteria: 'Condition', channel: { type: 'rest-hook', endpoint: receiver.url } });
  expect(refused.status).toBe(403);
});

it('a topic subscription keeps only the focus types within the scopes (media-received without Binary access)', async () => {
  const res = await tokensFor(s, { scope: 'launch/patient patient/Media.rs user/Subscription.cruds' }, { patient: alice });
  const token = res.body.access_token as string;
  const backport = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
  const subscription = (topic: string) => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'app',
    criteria: `https://telefhir.org/fhir/SubscriptionTopic/${topic}`,
    channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json', header: ['X-Test-Sub: media'], _payload: { extension: [{ url: `${backport}/backport-payload-content`, valueCode: 'full-resource' }] } },
  });
  const created = await send(token, 'post', 'Subscription', subscription('media-received'));
  expect(created.status).toBe(201);
  await waitFor(async () => (await send(token, 'get', `Subscription/${created.body.id as string}`)).body.status === 'active', 'active');
  const media = (patient: string) => ({ resourceType: 'Media', status: 'completed', subject: { reference: `Patient/${patient}` }, content: { contentType: 'image/png', url: 'https://example.org/x.png' } });
  await send(s.adminToken, 'post', 'Media', media(bob));
  const own = await send(s.adminToken, 'post', 'Media', media(alice));
  const events = () =>
    receiver.received
      .filter((r) => r.headers['x-test-sub'] === 'media')
      .map((r) => JSON.parse(r.body.toString()) as { entry: Array<{ resource?: { id?: string } }> })
      .filter((b) => b.entry.length > 1);
  await waitFor(() => events().length >= 1, 'the media notification');
  await server.subscriptions.deliverNow();
  expect(events().map((b) => b.entry[1]?.resource?.id)).toEqual([own.body.id]);
  // a topic none of whose focus types the token reaches is refused
  expect((await send(token, 'post', 'Subscription', subscription('visit-started'))).status).toBe(403);
});

it('with auth on and no SUBSCRIPTIONS_ALLOW_PRIVATE, loopback endpoints are refused', async () => {
  const strict = await startServer({ allowPrivate: false }, undefined, undefined, async (store, baseUrl) => createAuthModule({ store, baseUrl, adminClientSecret: ADMIN_SECRET }));
  try {
    const admin = await request(strict.app).post('/auth/token').auth('admin', ADMIN_SECRET).type('form').send({ grant_type: 'client_credentials', scope: 'system/*.cruds' });
    const res = await request(strict.app)
      .post('/fhir/Subscription')
      .set('Authorization', `Bearer ${admin.body.access_token as string}`)
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Subscription', status: 'requested', reason: 'x', criteria: 'Observation', channel: { type: 'rest-hook', endpoint: receiver.url } }));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toMatch(/private/);
  } finally {
    await strict.close();
  }
});
