import type { Bundle, Parameters } from 'fhir/r4';
import { TOPIC_BASE } from '../../src/subscriptions';
import { fhir, startReceiver, startServer, subscribe, waitFor, type Receiver, type SubsServer } from './harness';

/** Backport IG topic subscriptions: handshake, event notifications per telehealth topic, $status, $events. */
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
let server: SubsServer;
let receiver: Receiver;

beforeAll(async () => {
  server = await startServer();
  receiver = await startReceiver();
}, 180_000);
afterAll(async () => {
  await server.close();
  await receiver.close();
});

function topicSubscription(topic: string, marker: string, filter?: string, content = 'id-only') {
  return {
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    criteria: `${TOPIC_BASE}/${topic}`,
    ...(filter ? { _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: filter }] } } : {}),
    channel: {
      type: 'rest-hook',
      endpoint: receiver.url,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: content }] },
      header: [`X-Test-Sub: ${marker}`],
    },
  };
}

const bundlesOf = (marker: string) => receiver.received.filter((r) => r.headers['x-test-sub'] === marker).map((r) => JSON.parse(r.body.toString()) as Bundle);
const statusOf = (bundle: Bundle) => bundle.entry?.[0]?.resource as Parameters;
const param = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);
const typeOf = (bundle: Bundle) => param(statusOf(bundle), 'type')?.valueCode;
const events = (marker: string) => bundlesOf(marker).filter((b) => typeOf(b) === 'event-notification');
const focusOf = (bundle: Bundle) => param(statusOf(bundle), 'notification-event')?.part?.find((p) => p.name === 'focus')?.valueReference?.reference;

const appointmentFor = (patient: string) => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2030-01-01T10:00:00Z',
  end: '2030-01-01T10:30:00Z',
  participant: [
    { actor: { reference: `Patient/${patient}` }, status: 'accepted' },
    { actor: { reference: 'Practitioner/pr1' }, status: 'accepted' },
  ],
});

async function eventsFor(marker: string, count: number): Promise<Bundle[]> {
  return waitFor(() => events(marker).length >= count && events(marker), `${count} ${marker} notification(s)`);
}

it('handshake first, then history Bundles with the SubscriptionStatus first: appointment booked and cancelled', async () => {
  const booked = await subscribe(server, topicSubscription('appointment-booked', 'booked', 'Appointment?patient=Patient/a1'));
  await subscribe(server, topicSubscription('appointment-cancelled', 'cancelled', undefined, 'full-resource'));
  const handshake = bundlesOf('booked')[0] as Bundle;
  expect(handshake.type).toBe('history');
  expect(typeOf(handshake)).toBe('handshake');
  const appointment = appointmentFor('a1');
  const created = await fhir(server, 'POST', 'Appointment', appointment);
  expect(created.status).toBe(201);
  await fhir(server, 'POST', 'Appointment', appointmentFor('other')); // filtered out
  const [notification] = await eventsFor('booked', 1);
  const status = statusOf(notification as Bundle);
  expect(status.meta?.profile).toContain(`${BACKPORT}/backport-subscription-status-r4`);
  expect(param(status, 'topic')?.valueCanonical).toBe(`${TOPIC_BASE}/appointment-booked`);
  expect(param(status, 'subscription')?.valueReference?.reference).toBe(`${server.baseUrl}/Subscription/${booked}`);
  expect(param(status, 'events-since-subscription-start')?.valueString).toBe('1');
  expect(focusOf(notification as Bundle)).toBe(`${server.baseUrl}/Appointment/${created.body.id}`);
  expect(notification?.entry?.[1]?.resource).toBeUndefined(); // id-only
  // cancelled, full-resource
  await fhir(server, 'PUT', `Appointment/${created.body.id}`, { ...created.body, status: 'cancelled' });
  const [cancelled] = await eventsFor('cancelled', 1);
  expect(cancelled?.entry?.[1]?.resource).toMatchObject({ resourceType: 'Appointment', id: created.body.id, status: 'cancelled' });
  expect(events('booked')).toHaveLength(1);
});

it('visit started and visit ended follow the virtual Encounter of a visit', async () => {
  await subscribe(server, topicSubscription('visit-started', 'started', 'Encounter?patient=Patient/v1'));
  await subscribe(server, topicSubscription('visit-ended', 'ended', 'Encounter?patient=Patient/v1'));
  const appointment = await fhir(server, 'POST', 'Appointment', appointmentFor('v1'));
  expect(appointment.status).toBe(201);
  const arrived = await fhir(server, 'PUT', `Appointment/${appointment.body.id}`, { ...appointment.body, status: 'arrived' });
  expect([arrived.status, arrived.body.issue]).toEqual([200, undefined]);
  const [started] = await eventsFor('started', 1);
  expect(focusOf(started as Bundle)).toMatch(/\/Encounter\//);
  await fhir(server, 'PUT', `Appointment/${appointment.body.id}`, { ...arrived.body, status: 'fulfilled' });
  const [ended] = await eventsFor('ended', 1);
  expect(focusOf(ended as Bundle)).toBe(focusOf(started as Bundle));
});

it('remote reading flagged: a device reading with a flagging interpretation', async () => {
  await subscribe(server, topicSubscription('remote-reading-flagged', 'flagged', 'Observation?patient=Patient/m1', 'full-resource'));
  const reading = (interpretation?: string) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'Patient/m1' },
    device: { reference: 'Device/d1' },
    valueQuantity: { value: 150, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    ...(interpretation ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: interpretation }] }] } : {}),
  });
  await fhir(server, 'POST', 'Observation', reading()); // no interpretation: not flagged
  const flagged = await fhir(server, 'POST', 'Observation', reading('H'));
  const [notification] = await eventsFor('flagged', 1);
  expect(notification?.entry?.[1]?.resource).toMatchObject({ resourceType: 'Observation', id: flagged.body.id });
  await server.subscriptions.deliverNow();
  expect(events('flagged')).toHaveLength(1);
});

it('media received, then $status and $events', async () => {
  const id = await subscribe(server, topicSubscription('media-received', 'media', 'Media?patient=Patient/md1'));
  const media = await fhir(server, 'POST', 'Media', { resourceType: 'Media', status: 'completed', subject: { reference: 'Patient/md1' }, content: { contentType: 'image/png', url: 'https://example.org/x.png' } });
  expect(media.status).toBe(201);
  await eventsFor('media', 1);
  const status = await fhir(server, 'GET', `Subscription/${id}/$status`);
  const parameters = (status.body as unknown as Bundle).entry?.[0]?.resource as Parameters;
  expect(param(parameters, 'type')?.valueCode).toBe('query-status');
  expect(param(parameters, 'status')?.valueCode).toBe('active');
  expect(param(parameters, 'events-since-subscription-start')?.valueString).toBe('1');
  const replay = (await fhir(server, 'GET', `Subscription/${id}/$events?eventsSinceNumber=1&content=full-resource`)).body as unknown as Bundle;
  expect(replay.type).toBe('history');
  expect(typeOf(replay)).toBe('query-event');
  expect(replay.entry?.[1]?.resource).toMatchObject({ resourceType: 'Media', id: media.body.id });
  expect((await fhir(server, 'GET', `Subscription/${id}/$events?eventsSinceNumber=5&eventsUntilNumber=2`)).status).toBe(400);
});

it('sends heartbeats to an idle subscription with a heartbeat period', async () => {
  const subscription = topicSubscription('visit-ended', 'heartbeat', 'Encounter?patient=Patient/nobody');
  subscription.channel = { ...subscription.channel, extension: [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: 1 }] } as never;
  await subscribe(server, subscription);
  const heartbeat = await waitFor(() => bundlesOf('heartbeat').find((b) => typeOf(b) === 'heartbeat'), 'a heartbeat');
  expect(heartbeat.type).toBe('history');
  expect(heartbeat.entry).toHaveLength(1);
  expect(param(statusOf(heartbeat), 'status')?.valueCode).toBe('active');
});

it('a client cannot skip the handshake of a new endpoint by sending the worker request id', async () => {
  const id = await subscribe(server, topicSubscription('media-received', 'spoof'));
  const failing = await startReceiver();
  failing.failWith = 500;
  try {
    const current = (await fhir(server, 'GET', `Subscription/${id}`)).body as { channel: Record<string, unknown> };
    const res = await fetch(`${server.baseUrl}/Subscription/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', 'x-request-id': 'subscriptions-worker' },
      body: JSON.stringify({ ...current, status: 'active', channel: { ...current.channel, endpoint: failing.url } }),
    });
    expect(res.status).toBe(200);
    const errored = await waitFor(async () => {
      const body = (await fhir(server, 'GET', `Subscription/${id}`)).body;
      return body.status === 'error' && body;
    }, 'the failed handshake');
    expect(errored.error).toMatch(/HTTP 500/);
  } finally {
    await failing.close();
  }
});

it('refuses a filter about another resource type than the topic', async () => {
  const res = await fhir(server, 'POST', 'Subscription', { resourceType: 'Subscription', status: 'requested', reason: 't', ...topicSubscription('media-received', 'x', 'Patient?name=x') });
  expect(res.status).toBe(422);
});
