import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient';

/**
 * A tiny SMART app built on the REAL fhirclient library (Node adapter): /launch starts the
 * authorization (EHR launch with iss+launch, or standalone with ?iss=), /callback completes it
 * and reads the patient's Observations, answering what it saw as JSON.
 */
export interface SmartApp {
  origin: string;
  close(): Promise<void>;
}

export async function startSmartApp(clientId: string, scope: string): Promise<SmartApp> {
  const memory = new Map<string, unknown>();
  const storage = {
    get: async (key: string) => memory.get(key),
    set: async (key: string, value: unknown) => {
      memory.set(key, value);
      return value;
    },
    unset: async (key: string) => memory.delete(key),
  };
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const fail = (error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    };
    if (url.pathname === '/launch') {
      smart(req, res, storage)
        .authorize({ clientId, scope, redirectUri: `${origin}/callback`, iss: url.searchParams.get('iss') ?? undefined, launch: url.searchParams.get('launch') ?? undefined })
        .catch(fail);
      return;
    }
    if (url.pathname === '/callback') {
      smart(req, res, storage)
        .ready()
        .then(async (client) => {
          const patient = client.getPatientId();
          const bundle = (await client.request(`Observation?patient=${patient}`)) as { entry?: Array<{ resource: { subject: { reference: string } } }> };
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ patient, encounter: client.getEncounterId(), subjects: (bundle.entry ?? []).map((e) => e.resource.subject.reference), idUser: client.getFhirUser() }));
        })
        .catch(fail);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A cookie-keeping user agent that clicks through login, picker and consent with fetch. */
export async function clickThrough(start: string, user: { username: string; password: string; patient?: string }): Promise<{ status: number; body: string }> {
  const cookies = new Map<string, string>();
  let url = start;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = (pair as string).indexOf('=');
      cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
    }
    init = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location') as string, url).toString();
      continue;
    }
    const body = await res.text();
    if (!res.headers.get('content-type')?.includes('text/html') || !body.includes('<form')) return { status: res.status, body };
    const csrf = /name="csrf" value="([^"]*)"/.exec(body)?.[1] ?? '';
    const action = new URL((/<form method="post" action="([^"]+)"/.exec(body)?.[1] ?? '').replace(/&amp;/g, '&'), url).toString();
    const form = new URLSearchParams({ csrf });
    if (body.includes('name="password"')) {
      form.set('username', user.username);
      form.set('password', user.password);
      form.set('next', /name="next" value="([^"]*)"/.exec(body)?.[1] ?? '');
    } else if (body.includes('name="patient"')) form.set('patient', user.patient ?? '');
    else form.set('decision', 'allow');
    url = action;
    init = { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many steps');
}
