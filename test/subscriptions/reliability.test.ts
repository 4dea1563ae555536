import type { Bundle } from 'fhir/r4';
import { fhir, startReceiver, startServer, subscribe, waitFor, type Receiver, type SubsServer } from './harness';

/**
 * Delivery guarantees: retries with back-off until the receiver answers, `error` after the retry
 * budget, at-least-once after a crash between commit and delivery, nothing for a rolled-back
 * transaction, one delivery per row with two workers on one store, per-subscription order.
 */
const observation = (patient: string, value = 72) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const valuesOf = (receiver: Receiver) => receiver.received.map((r) => (JSON.parse(r.body.toString()) as { valueQuantity: { value: number } }).valueQuantity.value);

describe('retries', () => {
  let server: SubsServer;
  beforeAll(async () => {
    server = await startServer({ maxAttempts: 30, retryBaseMs: 20, retryMaxMs: 100 });
  }, 180_000);
  afterAll(() => server.close());

  it('retries until the receiver comes up, then delivers in order', async () => {
    const receiver = await startReceiver();
    const id = await subscribe(server, { criteria: 'Observation?patient=Patient/r1', channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' } });
    receiver.failWith = 503;
    for (const value of [1, 2, 3]) await fhir(server, 'POST', 'Observation', observation('r1', value));
    await waitFor(async () => {
      const rows = await server.store.collection<{ _id: string; attempts: number }>('subscription_outbox').find({ subscriptionId: id, seq: 1 });
      return (rows[0]?.attempts ?? 0) >= 2;
    }, 'two failed attempts');
    expect(receiver.received).toHaveLength(0);
    receiver.failWith = undefined;
    await waitFor(() => receiver.received.length >= 3, 'the three notifications');
    expect(valuesOf(receiver)).toEqual([1, 2, 3]);
    expect((await fhir(server, 'GET', `Subscription/${id}`)).body.status).toBe('active');
    await receiver.close();
  });
});

describe('retry budget', () => {
  let server: SubsServer;
  beforeAll(async () => {
    server = await startServer({ maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20 });
  }, 180_000);
  afterAll(() => server.close());

  it('puts the subscription in error with an error text after the budget', async () => {
    const receiver = await startReceiver();
    const id = await subscribe(server, { criteria: 'Observation?patient=Patient/b1', channel: { type: 'rest-hook', endpoint: receiver.url } });
    receiver.failWith = 500;
    await fhir(server, 'POST', 'Observation', observation('b1'));
    const sub = await waitFor(async () => {
      const body = (await fhir(server, 'GET', `Subscription/${id}`)).body;
      return body.status === 'error' && body;
    }, 'status error');
    expect(sub.error).toMatch(/failed 3 times.*HTTP 500/);
    // an errored subscription is no longer notified
    receiver.failWith = undefined;
    await fhir(server, 'POST', 'Observation', observation('b1'));
    await server.subscriptions.deliverNow();
    expect(receiver.received).toHaveLength(0);
    await receiver.close();
  });
});

describe('transactions and crashes', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it('a rolled-back transaction Bundle queues nothing; a committed one notifies', async () => {
    const server = await startServer();
    try {
      const id = await subscribe(server, { criteria: 'Observation?patient=Patient/t1', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Test-Sub: tx'] } });
      const failing: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          // POSTs run before PUTs (http.html#trules): the create and its outbox row are written, then the PUT fails
          { resource: observation('t1') as never, request: { method: 'POST', url: 'Observation' } },
          { resource: { ...observation('t1'), id: 'never-there' } as never, request: { method: 'PUT', url: 'Observation/never-there', ifMatch: 'W/"5"' } },
        ],
      };
      const rolledBack = await fhir(server, 'POST', '', failing);
      expect(rolledBack.status).toBe(412);
      const outbox = server.store.collection('subscription_outbox');
      expect(await outbox.countDocuments({ subscriptionId: id, seq: { $gte: 1 } })).toBe(0);
      const ok: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: observation('t1') as never, request: { method: 'POST', url: 'Observation' } }] };
      expect((await fhir(server, 'POST', '', ok)).status).toBe(200);
      await waitFor(() => receiver.received.filter((r) => r.headers['x-test-sub'] === 'tx').length === 1, 'the committed notification');
      expect(await outbox.countDocuments({ subscriptionId: id, seq: { $gte: 1 } })).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('after a crash between commit and delivery, the notification is delivered on restart', async () => {
    const first = await startServer();
    const id = await subscribe(first, { criteria: 'Observation?patient=Patient/c1', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Test-Sub: crash'] } });
    // the worker is gone (as after kill -9) before the write: the write commits its outbox row only
    await first.subscriptions.stop();
    expect((await fhir(first, 'POST', 'Observation', observation('c1'))).status).toBe(201);
    await first.close(true);
    expect(receiver.received.filter((r) => r.headers['x-test-sub'] === 'crash')).toHaveLength(0);
    const second = await startServer({}, first.dataDir);
    try {
      await waitFor(() => receiver.received.filter((r) => r.headers['x-test-sub'] === 'crash').length === 1, 'delivery after restart');
      const rows = await second.store.collection<{ _id: string; state: string }>('subscription_outbox').find({ subscriptionId: id, seq: 1 });
      expect(rows.map((r) => r.state)).toEqual(['done']);
    } finally {
      await second.close();
    }
  });
});

describe('several workers on one store', () => {
  it('each notification is delivered once, in order, whichever worker claims it', async () => {
    const receiver = await startReceiver();
    const server = await startServer();
    const { subscriptionsModule } = await import('../../src/subscriptions');
    const { FAST } = await import('./harness');
    const other = subscriptionsModule(server.store, server.baseUrl, FAST);
    await other.start(server.services);
    try {
      await subscribe(server, { criteria: 'Observation?patient=Patient/w1', channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' } });
      for (let value = 1; value <= 20; value++) await fhir(server, 'POST', 'Observation', observation('w1', value));
      await Promise.all([other.deliverNow(), server.subscriptions.deliverNow(), other.deliverNow()]);
      await waitFor(() => receiver.received.length >= 20, 'twenty notifications');
      await Promise.all([other.deliverNow(), server.subscriptions.deliverNow()]);
      expect(valuesOf(receiver)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      await other.stop();
      await server.close();
      await receiver.close();
    }
  });
});

describe('retention', () => {
  it('purges settled notifications after SUBSCRIPTIONS_RETENTION_MS', async () => {
    const receiver = await startReceiver();
    const server = await startServer({ retentionMs: 1, refreshMs: 50 });
    try {
      const id = await subscribe(server, { criteria: 'Observation?patient=Patient/rt1', channel: { type: 'rest-hook', endpoint: receiver.url } });
      await fhir(server, 'POST', 'Observation', observation('rt1'));
      await waitFor(() => receiver.received.length >= 1, 'the notification');
      const outbox = server.store.collection('subscription_outbox');
      await waitFor(async () => (await outbox.countDocuments({ subscriptionId: id })) === 0, 'the purge');
      // the event counter survives the purge: the next event is number 2
      await fhir(server, 'POST', 'Observation', observation('rt1'));
      await waitFor(() => receiver.received.length >= 2, 'the second notification');
      const status = (await fhir(server, 'GET', `Subscription/${id}/$status`)).body as { entry: Array<{ resource: { parameter: Array<{ name: string; valueString?: string }> } }> };
      expect(status.entry[0]?.resource.parameter.find((p) => p.name === 'events-since-subscription-start')?.valueString).toBe('2');
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
