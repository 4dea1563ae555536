import type { CapabilityStatement } from 'fhir/r4';
import WebSocket from 'ws';
import { WEBSOCKET_EXTENSION } from '../../src/subscriptions';
import { fhir, startServer, subscribe, waitFor, type SubsServer } from './harness';

/** The R4 websocket channel: `bind [id]` from the client, `ping [id]` from the server. */
let server: SubsServer;

beforeAll(async () => {
  server = await startServer();
}, 180_000);
afterAll(() => server.close());

async function connect(url: string): Promise<{ socket: WebSocket; messages: string[] }> {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages };
}

it('advertises the websocket URL in the CapabilityStatement', async () => {
  const statement = (await fhir(server, 'GET', 'metadata')).body as unknown as CapabilityStatement;
  const url = statement.rest?.[0]?.extension?.find((e) => e.url === WEBSOCKET_EXTENSION)?.valueUri;
  expect(url).toBe(`${server.url.replace('http', 'ws')}/fhir/websocket`);
});

it('pings bound clients on each matching write, and refuses unknown ids', async () => {
  const id = await subscribe(server, { criteria: 'Observation?patient=Patient/ws1', channel: { type: 'websocket' } });
  const statement = (await fhir(server, 'GET', 'metadata')).body as unknown as CapabilityStatement;
  const url = statement.rest?.[0]?.extension?.find((e) => e.url === WEBSOCKET_EXTENSION)?.valueUri as string;
  const { socket, messages } = await connect(url);
  try {
    socket.send('bind no-such-subscription');
    socket.send(`bind ${id}`);
    await waitFor(() => messages.includes(`bound ${id}`), 'the bind acknowledgement');
    expect(messages).toContain('error no-such-subscription');
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'hr' }, subject: { reference: 'Patient/ws1' } };
    await fhir(server, 'POST', 'Observation', observation);
    await fhir(server, 'POST', 'Observation', { ...observation, subject: { reference: 'Patient/other' } });
    await fhir(server, 'POST', 'Observation', observation);
    await waitFor(() => messages.filter((m) => m === `ping ${id}`).length >= 2, 'two pings');
    await server.subscriptions.deliverNow();
    expect(messages.filter((m) => m.startsWith('ping'))).toEqual([`ping ${id}`, `ping ${id}`]);
  } finally {
    socket.close();
  }
});
