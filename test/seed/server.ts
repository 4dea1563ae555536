import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { telehealthModule } from '../../src/telehealth';
import { makeTestApp } from '../helpers/app';

/** A listening FHIR server (AUTH=off, telehealth wired) for the seed loader, a separate process using fhir-kit-client. */
export interface ListeningServer {
  base: string;
  get(target: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export async function startServer(): Promise<ListeningServer> {
  const testApp = await makeTestApp({ settings: { maxBundleEntries: 5000 }, ...telehealthModule() });
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
