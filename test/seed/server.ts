import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { call, openTestContext } from '../core/helpers';
import type { FhirMethod } from '../../src/fhir/request';
import { telehealthModule } from '../../src/telehealth';

/**
 * A listening FHIR server for the seed loader (a separate process using fhir-kit-client):
 * the shared `makeTestApp` Express app when it exists; until then a minimal node:http bridge to
 * `dispatch` (JSON in, JSON out) — enough for transactions, reads, updates and searches.
 */
export interface ListeningServer {
  base: string;
  get(target: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

type MakeTestApp = (options: Record<string, unknown>) => Promise<{ app: { listen: (port: number, cb: () => void) => Server }; close(): Promise<void> }>;

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

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

export async function startServer(): Promise<ListeningServer> {
  const module = telehealthModule();
  const makeTestApp = findMakeTestApp();
  if (makeTestApp) {
    const testApp = await makeTestApp({ settings: { maxBundleEntries: 5000 }, telehealth: module, ...module });
    let server: Server | undefined;
    const port = await new Promise<number>((resolve) => {
      server = testApp.app.listen(0, () => resolve((server?.address() as AddressInfo).port));
    });
    const base = `http://127.0.0.1:${port}/fhir`;
    return {
      base,
      get: async (target) => {
        const res = await fetch(`${base}/${target}`, { headers: { accept: 'application/fhir+json' } });
        return { status: res.status, body: await res.json() };
      },
      close: async () => {
        await new Promise((resolve) => server?.close(resolve));
        await testApp.close();
      },
    };
  }
  const test = await openTestContext({ operations: module.operations, beforeWrite: module.beforeWrite, afterWrite: module.afterWrite });
  test.ctx.settings = { ...test.ctx.settings, maxBundleEntries: 5000 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const target = (req.url ?? '/').replace(/^\/fhir\/?/, '');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      call(test.ctx, req.method as FhirMethod, target, { body: text ? JSON.parse(text) : undefined, headers: headers as Record<string, string> })
        .then((reply) => {
          res.writeHead(reply.status, { 'content-type': 'application/fhir+json', ...reply.headers });
          res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
  });
  const port = await listen(server);
  const base = `http://127.0.0.1:${port}/fhir`;
  return {
    base,
    get: async (target) => {
      const reply = await call(test.ctx, 'GET', target);
      return { status: reply.status, body: reply.body };
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await test.close();
    },
  };
}
