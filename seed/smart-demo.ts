import { randomBytes } from 'node:crypto';
import { SYSTEM } from './dataset';

/**
 * The SMART side of the demo: when the server runs with authorization, the loader gets an admin
 * token (client_credentials of the bootstrap `admin` client), loads the data with it, then
 * registers a demo app and demo users over the admin API so that a launch can be tried at once.
 * Everything goes through the server's public endpoints, as for any operator.
 */
export const DEMO_CLIENT_ID = 'telefhir-demo-app';
export const DEMO_PRACTITIONER = 'dr.demo';
export const DEMO_PATIENT = 'patient.demo';

export interface SmartEndpoints {
  tokenEndpoint: string;
  /** The admin API, beside the token endpoint (`…/auth/admin`). */
  adminBase: string;
  authorizeEndpoint: string;
}

/** SMART discovery; undefined when the server answers 404 (AUTH=off). */
export async function discoverSmart(base: string): Promise<SmartEndpoints | undefined> {
  const res = await fetch(`${base}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`SMART discovery answered ${res.status}`);
  const config = (await res.json()) as { token_endpoint?: string; authorization_endpoint?: string };
  if (!config.token_endpoint || !config.authorization_endpoint) throw new Error('SMART discovery has no token or authorization endpoint');
  return { tokenEndpoint: config.token_endpoint, authorizeEndpoint: config.authorization_endpoint, adminBase: config.token_endpoint.replace(/\/token$/, '/admin') };
}

/** An access token for loading and for the admin API: client_credentials of the `admin` client. */
export async function adminToken(endpoints: SmartEndpoints, adminSecret: string): Promise<string> {
  const res = await fetch(endpoints.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`admin:${adminSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds telefhir/admin' }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`the token endpoint refused the admin client (${res.status} ${body.error ?? ''}): is ADMIN_CLIENT_SECRET the server's?`);
  return body.access_token;
}

export interface DemoOptions {
  base: string;
  token: string;
  endpoints: SmartEndpoints;
  redirectUris: string[];
  launchUrl: string;
  /** Used for users created now; existing users keep their password. Random when absent. */
  password?: string;
}

export interface DemoUser {
  username: string;
  role: 'practitioner' | 'patient';
  fhirUser: string;
  /** Set only when this run created the user with a password it generated (printed once). */
  password?: string;
}

export interface DemoReport {
  clientId: string;
  clientCreated: boolean;
  users: DemoUser[];
}

/** Registers the demo app (public, PKCE) and one practitioner and one patient user; idempotent. */
export async function ensureSmartDemo(options: DemoOptions): Promise<DemoReport> {
  const auth = { authorization: `Bearer ${options.token}` };
  const post = async (path: string, body: object): Promise<boolean> => {
    const res = await fetch(`${options.endpoints.adminBase}/${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status === 201) return true;
    if (res.status === 409) return false;
    throw new Error(`admin API ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  };
  const idOf = async (type: string, system: string, value: string): Promise<string> => {
    const res = await fetch(`${options.base}/${type}?identifier=${encodeURIComponent(`${system}|${value}`)}&_elements=id`, { headers: { ...auth, accept: 'application/fhir+json' } });
    const bundle = (await res.json()) as { entry?: Array<{ resource?: { id?: string } }> };
    const id = bundle.entry?.[0]?.resource?.id;
    if (!res.ok || !id) throw new Error(`the seeded ${type} ${value} was not found (${res.status})`);
    return id;
  };
  const clientCreated = await post('clients', {
    client_id: DEMO_CLIENT_ID,
    client_name: 'Telefhir demo app',
    type: 'public',
    redirect_uris: options.redirectUris,
    launch_url: options.launchUrl,
  });
  const wanted: DemoUser[] = [
    { username: DEMO_PRACTITIONER, role: 'practitioner', fhirUser: `Practitioner/${await idOf('Practitioner', SYSTEM.practitioner, 'PR-001')}` },
    { username: DEMO_PATIENT, role: 'patient', fhirUser: `Patient/${await idOf('Patient', SYSTEM.mrn, 'MRN-000001')}` },
  ];
  const users: DemoUser[] = [];
  for (const user of wanted) {
    const generated = options.password === undefined;
    const password = options.password ?? randomBytes(9).toString('base64url');
    const created = await post('users', { ...user, password });
    users.push(created && generated ? { ...user, password } : user);
  }
  return { clientId: DEMO_CLIENT_ID, clientCreated, users };
}

/** What to print after the load: how to use the demo app and users. */
export function describeDemo(report: DemoReport, options: Pick<DemoOptions, 'endpoints' | 'redirectUris' | 'launchUrl' | 'base'>): string[] {
  const lines = [
    `SMART demo app: client_id ${report.clientId} (public, PKCE S256) ${report.clientCreated ? 'registered' : 'already registered'}`,
    `  redirect_uris ${options.redirectUris.join(' ')} · launch_url ${options.launchUrl}`,
    `  standalone launch: ${options.endpoints.authorizeEndpoint}?response_type=code&client_id=${report.clientId}&redirect_uri=${encodeURIComponent(options.redirectUris[0] ?? '')}&scope=${encodeURIComponent('launch/patient openid fhirUser patient/*.rs')}&aud=${encodeURIComponent(options.base)}&state=…&code_challenge=…&code_challenge_method=S256`,
    `  EHR launch: sign in as ${DEMO_PRACTITIONER} at ${options.endpoints.tokenEndpoint.replace(/\/token$/, '/launcher')}`,
  ];
  for (const user of report.users) {
    const password = user.password ? `password ${user.password} (shown once)` : 'password as given, or unchanged if it existed';
    lines.push(`Demo user ${user.username} (${user.role}, ${user.fhirUser}): ${password}`);
  }
  return lines;
}
