import { audit, describe as describeQuery } from '../storage/index-plan/audit';
import { RecordingStore } from '../storage/index-plan/recording-store';
import { fhir, startReceiver, startServer, subscribe, waitFor, type Receiver, type SubsServer } from './harness';
import { TOPIC_BASE } from '../../src/subscriptions';

/**
 * Every query the subscriptions subsystem sends (registry, outbox claims and ordering, $status,
 * $events, matching writes) is answered from a declared index under MongoDB's rules.
 */
let server: SubsServer;
let receiver: Receiver;
let recorder: RecordingStore;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startServer({ refreshMs: 100 }, undefined, (store) => (recorder = new RecordingStore(store)));
  const label = (text: string) => (recorder.request = text);
  label('subscribe');
  const id = await subscribe(server, { criteria: 'Observation?patient=Patient/ip1', channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' } });
  const topic = await subscribe(server, {
    criteria: `${TOPIC_BASE}/media-received`,
    channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' },
  });
  label('write and deliver');
  receiver.failWith = 503;
  await fhir(server, 'POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/ip1' } });
  await fhir(server, 'POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/ip1' } });
  await server.subscriptions.deliverNow();
  receiver.failWith = undefined;
  await fhir(server, 'POST', 'Media', { resourceType: 'Media', status: 'completed', content: { contentType: 'image/png', url: 'https://example.org/x' } });
  await waitFor(() => receiver.received.length >= 4, 'deliveries');
  label('operations');
  await fhir(server, 'GET', `Subscription/${topic}/$status`);
  await fhir(server, 'GET', `Subscription/${topic}/$events?eventsSinceNumber=1&content=full-resource`);
  label('delete');
  await fhir(server, 'DELETE', `Subscription/${id}`);
  await server.subscriptions.deliverNow();
  label('periodic reload and purge');
  await waitFor(() => recorder.queries.some((q) => q.request === 'periodic reload and purge' && JSON.stringify(q.filter).includes('"$in":["done"')), 'a purge');
}, 180_000);
afterAll(async () => {
  await server.close();
  await receiver.close();
});

it('answers every subscriptions query from an index', () => {
  const ours = recorder.queries.filter((q) => q.collection.startsWith('subscription_'));
  expect(new Set(ours.map((q) => q.collection))).toEqual(new Set(['subscription_registry', 'subscription_outbox']));
  expect(ours.length).toBeGreaterThan(20);
  const failing = audit(ours).filter((f) => !f.verdict.ok);
  expect(failing.map((f) => `${describeQuery(f.query)}: ${f.verdict.reason}`)).toEqual([]);
});

it('fails the check without the declared indexes', () => {
  const ours = recorder.queries.filter((q) => q.collection === 'subscription_outbox');
  const without = audit(ours, () => []).filter((f) => !f.verdict.ok);
  expect(without.length).toBeGreaterThan(0);
});
