#!/usr/bin/env node
import type { Bundle, Resource } from 'fhir/r4';
import { generateDataset, type Dataset } from './dataset';
import { exampleResources } from './examples';
import { adminToken, describeDemo, discoverSmart, ensureSmartDemo } from './smart-demo';

/**
 * `npm run seed -- [--base URL] [--token T] [--patients N] [--seed N]`: loads the synthetic
 * telehealth dataset through the public FHIR API with fhir-kit-client (transaction Bundles of
 * conditional creates). Safe to re-run: nothing is created twice. With authorization on, it signs
 * in as the `admin` client (ADMIN_CLIENT_SECRET) and also registers a demo SMART app and users.
 */
export interface LoadOptions {
  base: string;
  token?: string;
  /** The server's ADMIN_CLIENT_SECRET: token for loading, and the admin API for the demo app. */
  adminSecret?: string;
  demoRedirectUris: string[];
  demoLaunchUrl: string;
  demoPassword?: string;
  patients: number;
  seed: number;
  today?: Date;
  log?: (line: string) => void;
}

export interface LoadReport {
  /** Entries answered 201 (created) and 200 (already there), per resource type. */
  created: Record<string, number>;
  existing: Record<string, number>;
  millis: number;
}

/** The slice of fhir-kit-client's Client the loader uses. */
interface FhirClient {
  transaction(params: { body: Bundle }): Promise<unknown>;
  read(params: { resourceType: string; id: string }): Promise<unknown>;
  update(params: { resourceType: string; id: string; body: Resource }): Promise<unknown>;
}

// fhir-kit-client 2 is an ES module: load it with a real dynamic import (not compiled to require)
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ Client: new (config: object) => FhirClient }>;

async function openClient(base: string, token?: string): Promise<FhirClient> {
  const { Client } = await importModule('fhir-kit-client');
  return new Client({ baseUrl: base, ...(token ? { bearerToken: token } : {}) });
}

function tally(report: LoadReport, response: unknown): void {
  for (const entry of (response as Bundle).entry ?? []) {
    const status = entry.response?.status ?? '';
    const type = /^(?:.*\/)?([A-Z][A-Za-z]+)\/[^/]+(?:\/_history\/.*)?$/.exec(entry.response?.location ?? entry.fullUrl ?? '')?.[1] ?? entry.resource?.resourceType ?? 'unknown';
    const bucket = status.startsWith('201') ? report.created : report.existing;
    bucket[type] = (bucket[type] ?? 0) + 1;
  }
}

function statusOf(error: unknown): number | undefined {
  const e = error as { response?: { status?: number }; status?: number };
  return e?.response?.status ?? e?.status;
}

/** Writes a resource under its own id unless it is there (a deleted one is written again). */
async function putIfAbsent(client: FhirClient, report: LoadReport, resource: Resource): Promise<void> {
  const type = resource.resourceType;
  const id = resource.id as string;
  let present = true;
  try {
    await client.read({ resourceType: type, id });
  } catch (error) {
    if (statusOf(error) !== 404 && statusOf(error) !== 410) throw error;
    present = false;
  }
  const bucket = present ? report.existing : report.created;
  if (!present) await client.update({ resourceType: type, id, body: resource });
  bucket[type] = (bucket[type] ?? 0) + 1;
}

export async function loadSeed(options: LoadOptions): Promise<LoadReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const today = options.today ?? new Date(new Date().toISOString().slice(0, 10));
  const dataset: Dataset = generateDataset({ patients: options.patients, seed: options.seed, today });
  const client = await openClient(options.base.replace(/\/+$/, ''), options.token);
  const report: LoadReport = { created: {}, existing: {}, millis: 0 };
  let done = 0;
  for (const bundle of dataset.bundles) {
    try {
      tally(report, await client.transaction({ body: bundle }));
    } catch (error) {
      const detail = JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? String(error)).slice(0, 600);
      throw new Error(`Seed transaction ${done + 1}/${dataset.bundles.length} failed (${statusOf(error) ?? 'no status'}): ${detail}`);
    }
    done += 1;
    if (done % 25 === 0) log(`  ${done}/${dataset.bundles.length} bundles`);
  }
  for (const photo of dataset.photos) {
    await putIfAbsent(client, report, photo.binary);
    tally(report, await client.transaction({ body: photo.media }));
  }
  for (const example of exampleResources(today)) await putIfAbsent(client, report, example);
  report.millis = Date.now() - started;
  return report;
}

/** The server's own settings, as `npm start` reads them: FHIR_BASE_URL, else BASE_URL, else localhost:PORT. */
export function defaultBase(env: NodeJS.ProcessEnv): string {
  const set = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  return set('FHIR_BASE_URL') ?? set('BASE_URL') ?? `http://localhost:${set('PORT') ?? '8080'}/fhir`;
}

function parseArgs(argv: string[]): LoadOptions {
  const options: LoadOptions = {
    base: defaultBase(process.env),
    patients: 100,
    seed: 42,
    token: process.env.FHIR_TOKEN,
    adminSecret: process.env.ADMIN_CLIENT_SECRET,
    demoRedirectUris: [],
    demoLaunchUrl: 'http://localhost:3000/launch',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (name: string) => {
      const n = Number(value());
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
      return n;
    };
    if (arg === '--base') options.base = value();
    else if (arg === '--token') options.token = value();
    else if (arg === '--patients') options.patients = int('--patients');
    else if (arg === '--seed') options.seed = int('--seed');
    else if (arg === '--admin-secret') options.adminSecret = value();
    else if (arg === '--demo-redirect-uri') options.demoRedirectUris.push(value());
    else if (arg === '--demo-launch-url') options.demoLaunchUrl = value();
    else if (arg === '--demo-password') options.demoPassword = value();
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'Usage: npm run seed -- [--base URL (default: FHIR_BASE_URL, else BASE_URL, else http://localhost:$PORT/fhir)] [--patients 100] [--seed 42]\n' +
          '  with AUTH on: [--admin-secret S (default: env ADMIN_CLIENT_SECRET) | --token <bearer>]\n' +
          '  demo SMART app: [--demo-redirect-uri URL]... [--demo-launch-url URL] [--demo-password P]',
      );
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg} (see --help)`);
  }
  if (options.demoRedirectUris.length === 0) options.demoRedirectUris.push('http://localhost:3000/callback', 'http://localhost:3000/');
  return options;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const list = (r: Record<string, number>) => Object.entries(r).sort().map(([t, n]) => `${t} ${n}`).join(', ') || 'nothing';

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  options.base = options.base.replace(/\/+$/, '');
  const smart = await discoverSmart(options.base);
  let adminAccess = false;
  if (smart && !options.token) {
    if (!options.adminSecret) {
      throw new Error('The server requires authorization: set ADMIN_CLIENT_SECRET (the one the server was started with), or pass --token <bearer> with system/*.cu scopes');
    }
    options.token = await adminToken(smart, options.adminSecret);
    adminAccess = true;
  }
  console.log(`Seeding ${options.patients} patients (seed ${options.seed}) into ${options.base}${smart ? ' (authorization on)' : ''}`);
  const report = await loadSeed({ ...options, log: (line) => console.log(line) });
  console.log(`Created ${sum(report.created)}: ${list(report.created)}`);
  console.log(`Already present ${sum(report.existing)}: ${list(report.existing)}`);
  const auth = smart && options.token ? ` -H 'Authorization: Bearer <token>'` : '';
  console.log(`Done in ${(report.millis / 1000).toFixed(1)} s. Try: curl${auth} '${options.base}/Flag?status=active' and '${options.base}/Slot?status=free'`);
  if (smart && options.token) {
    if (!adminAccess) console.log('The demo SMART app and users need the admin API: run with ADMIN_CLIENT_SECRET instead of --token to register them.');
    else {
      const demoOptions = { base: options.base, token: options.token, endpoints: smart, redirectUris: options.demoRedirectUris, launchUrl: options.demoLaunchUrl, password: options.demoPassword };
      for (const line of describeDemo(await ensureSmartDemo(demoOptions), demoOptions)) console.log(line);
    }
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
