import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_HEADER } from '../../src/subscriptions';
import { fhir, startReceiver, startServer, subscribe, waitFor, type Receiver, type SubsServer } from './harness';

/** R4 criteria subscriptions over rest-hook, against a real node:http receiver. */
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

const observation = (patient: string, code = '8867-4') => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const forSub = (marker: string) => receiver.received.filter((r) => r.headers['x-test-sub'] === marker);

/** How a receiver verifies the signature (the README shows the same). */
function verify(secret: string, body: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

it('without payload: an empty POST with the given headers, signed, once per matching write', async () => {
  const secret = 'a-very-long-subscription-secret';
  const id = await subscribe(server, {
    criteria: 'Observation?code=http://loinc.org|8867-4&patient=Patient/p1',
    channel: {
      type: 'rest-hook',
      endpoint: receiver.url,
      header: ['X-Test-Sub: empty', 'Authorization: Bearer receiver-token'],
      extension: [{ url: 'https://telefhir.org/fhir/StructureDefinition/subscription-secret', valueString: secret }],
    },
  });
  expect((await fhir(server, 'POST', 'Observation', observation('p1'))).status).toBe(201);
  expect((await fhir(server, 'POST', 'Observation', observation('p2'))).status).toBe(201); // other patient
  expect((await fhir(server, 'POST', 'Observation', observation('p1', '8480-6'))).status).toBe(201); // other code
  const [got] = await waitFor(() => forSub('empty').length >= 1 && forSub('empty'), 'the notification');
  expect(got?.body.length).toBe(0);
  expect(got?.headers.authorization).toBe('Bearer receiver-token');
  expect(got?.headers['content-type']).toBeUndefined();
  const header = got?.headers[SIGNATURE_HEADER.toLowerCase()] as string;
  expect(verify(secret, got?.body as Buffer, header)).toBe(true);
  expect(verify('another-secret-of-some-length', got?.body as Buffer, header)).toBe(false);
  // a second matching write gives a second notification, nothing else arrived meanwhile
  await fhir(server, 'POST', 'Observation', observation('p1'));
  await waitFor(() => forSub('empty').length >= 2, 'the second notification');
  await server.subscriptions.deliverNow();
  expect(forSub('empty')).toHaveLength(2);
  const status = await fhir(server, 'GET', `Subscription/${id}/$status`);
  expect(status.status).toBe(200);
});

it('with payload application/fhir+json: the resource as written', async () => {
  await subscribe(server, {
    criteria: 'Observation?patient=Patient/p3',
    channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json', header: ['X-Test-Sub: full'] },
  });
  const created = await fhir(server, 'POST', 'Observation', observation('p3'));
  const [got] = await waitFor(() => forSub('full').length >= 1 && forSub('full'), 'the notification');
  expect(got?.headers['content-type']).toBe('application/fhir+json');
  expect(got?.headers[SIGNATURE_HEADER.toLowerCase()]).toBeUndefined(); // no secret, no signature
  const body = JSON.parse((got?.body as Buffer).toString()) as { id: string; resourceType: string; meta: { versionId: string } };
  expect(body).toMatchObject({ resourceType: 'Observation', id: created.body.id, meta: { versionId: '1' } });
});

it('refuses invalid criteria and channels with a 4xx OperationOutcome', async () => {
  const cases: Array<[Record<string, unknown>, number]> = [
    [{ criteria: 'Observation?nonsense-param=1', channel: { type: 'rest-hook', endpoint: receiver.url } }, 400],
    [{ criteria: 'NotAType?x=1', channel: { type: 'rest-hook', endpoint: receiver.url } }, 400],
    [{ criteria: 'Observation?patient.name=x', channel: { type: 'rest-hook', endpoint: receiver.url } }, 400],
    [{ criteria: 'Observation?code=x', channel: { type: 'email', endpoint: 'mailto:a@b.c' } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook' } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook', endpoint: 'ftp://example.org/x' } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook', endpoint: 'http://169.254.169.254/latest/meta-data' } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook', endpoint: 'http://[fe80::1]/hook' } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook', endpoint: 'http://metadata.google.internal/x' } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['bad header'] } }, 422],
    [{ criteria: 'https://example.org/unknown-topic', channel: { type: 'rest-hook', endpoint: receiver.url } }, 422],
    [{ criteria: 'Observation?code=x', channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'text/plain' } }, 422],
    [
      {
        criteria: 'Observation?code=x',
        channel: { type: 'rest-hook', endpoint: receiver.url, extension: [{ url: 'https://telefhir.org/fhir/StructureDefinition/subscription-secret', valueString: 'short' }] },
      },
      422,
    ],
  ];
  for (const [subscription, status] of cases) {
    const res = await fhir(server, 'POST', 'Subscription', { resourceType: 'Subscription', status: 'requested', reason: 'test', ...subscription });
    expect([res.status, res.body.resourceType]).toEqual([status, 'OperationOutcome']);
  }
});

it('deleting the Subscription stops its notifications', async () => {
  const id = await subscribe(server, { criteria: 'Observation?patient=Patient/p4', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Test-Sub: deleted'] } });
  await fhir(server, 'POST', 'Observation', observation('p4'));
  await waitFor(() => forSub('deleted').length >= 1, 'the first notification');
  expect((await fhir(server, 'DELETE', `Subscription/${id}`)).status).toBeLessThan(300);
  await fhir(server, 'POST', 'Observation', observation('p4'));
  await server.subscriptions.deliverNow();
  // a marker subscription proves that deliveries after the delete did happen meanwhile
  await subscribe(server, { criteria: 'Observation?patient=Patient/p4', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Test-Sub: marker'] } });
  await fhir(server, 'POST', 'Observation', observation('p4'));
  await waitFor(() => forSub('marker').length >= 1, 'the marker notification');
  expect(forSub('deleted')).toHaveLength(1);
});

it('status off stops notifications as well', async () => {
  const id = await subscribe(server, { criteria: 'Observation?patient=Patient/p5', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Test-Sub: off'] } });
  const current = (await fhir(server, 'GET', `Subscription/${id}`)).body;
  expect((await fhir(server, 'PUT', `Subscription/${id}`, { ...current, status: 'off' })).status).toBe(200);
  await fhir(server, 'POST', 'Observation', observation('p5'));
  await subscribe(server, { criteria: 'Observation?patient=Patient/p5', channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Test-Sub: marker5'] } });
  await fhir(server, 'POST', 'Observation', observation('p5'));
  await waitFor(() => forSub('marker5').length >= 1, 'the marker notification');
  expect(forSub('off')).toHaveLength(0);
});
