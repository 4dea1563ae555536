// The FHIR and admin APIs, called with the administrator's token like any other client.
import { current, fhirBase } from './session.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra = {}) {
  const token = current()?.access_token;
  return { Accept: 'application/fhir+json, application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(response) {
  const body = await response.json().catch(() => ({}));
  const text = body.issue?.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join('; ') || body.error_description || response.statusText;
  return new ApiError(response.status, `${response.status}: ${text}`);
}

/** GET a FHIR path relative to the base, e.g. `Patient?name=smith`. */
export async function fhir(path) {
  const response = await fetch(`${fhirBase()}/${path}`, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** The resources of a searchset Bundle. */
export async function search(path) {
  const bundle = await fhir(path);
  return { bundle, resources: (bundle.entry ?? []).map((e) => e.resource).filter(Boolean) };
}

/** A Binary's raw content as an object URL (for <img>): fetched with the token, never put in a URL. */
export async function binaryUrl(reference) {
  const response = await fetch(`${fhirBase()}/${reference}`, { headers: headers({ Accept: 'image/*, application/octet-stream' }) });
  if (!response.ok) throw await failure(response);
  return URL.createObjectURL(await response.blob());
}

const authBase = () => new URL('/auth', fhirBase()).toString();

/** The authorization server's JSON APIs (/auth/admin/..., /auth/launch). */
export async function authApi(path, method = 'GET', body) {
  const response = await fetch(`${authBase()}${path}`, {
    method,
    headers: headers(body ? { 'Content-Type': 'application/json' } : {}),
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}
