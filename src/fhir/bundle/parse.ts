import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import { badRequest, FhirError } from '../outcome';
import type { FhirMethod, FhirRequest } from '../request';

/**
 * Turns a batch/transaction Bundle into one planned FhirRequest per entry
 * (hl7.org/fhir/R4/http.html#transaction). Pure: no store access.
 */
export type BundleKind = 'batch' | 'transaction';

export interface PlannedEntry {
  /** Position in Bundle.entry: responses keep this order. */
  index: number;
  fullUrl?: string;
  method: FhirMethod;
  /** The request as it will be dispatched; rewritten in place by reference resolution. */
  request: FhirRequest;
  /** Resource type named by the url (first path segment, or before `?`). */
  resourceType?: string;
  /** Logical id named by the url (`Type/id`), if any. */
  id?: string;
  /** True when the url is a search (`Type?query`) used as a condition (PUT/PATCH/DELETE). */
  conditional: boolean;
  /** True for a create (`POST [type]`), as opposed to a POST search or operation. */
  create: boolean;
}

/** An entry that could not be turned into a request; a batch answers it, a transaction fails. */
export interface RejectedEntry {
  index: number;
  error: FhirError;
}

export interface ParsedBundle {
  kind: BundleKind;
  entries: PlannedEntry[];
  rejected: RejectedEntry[];
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/;

export function parseBundle(body: unknown, baseUrl: string, maxEntries: number): ParsedBundle {
  if (!isObject(body) || body.resourceType !== 'Bundle') {
    throw badRequest('POST to the base URL expects a Bundle of type batch or transaction', ['Bundle']);
  }
  const bundle = body as unknown as Bundle;
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be batch or transaction, not ${String(bundle.type)}`, ['Bundle.type']);
  }
  const list: unknown = bundle.entry ?? [];
  if (!Array.isArray(list)) throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  if (list.length > maxEntries) {
    throw new FhirError(413, `The Bundle has ${list.length} entries; this server accepts at most ${maxEntries}`);
  }
  const entries: PlannedEntry[] = [];
  const rejected: RejectedEntry[] = [];
  list.forEach((raw: unknown, index) => {
    try {
      entries.push(planEntry(raw, index, baseUrl));
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      rejected.push({ index, error });
    }
  });
  return { kind: bundle.type, entries, rejected };
}

function planEntry(raw: unknown, index: number, baseUrl: string): PlannedEntry {
  const at = `Bundle.entry[${index}]`;
  if (!isObject(raw)) throw badRequest(`${at} must be an object`, [at]);
  const entry = raw as BundleEntry;
  const req = entry.request;
  if (!isObject(req)) throw badRequest(`${at}.request is required in a batch or transaction`, [`${at}.request`]);
  assertStringFields(entry, req, at);
  const method = typeof req.method === 'string' ? req.method.toUpperCase() : '';
  if (!METHODS.has(method)) throw badRequest(`${at}.request.method is missing or not supported`, [`${at}.request.method`]);
  if (typeof req.url !== 'string' || req.url.trim() === '') {
    throw badRequest(`${at}.request.url is required`, [`${at}.request.url`]);
  }
  const { path, query } = splitUrl(req.url.trim(), baseUrl, `${at}.request.url`);
  const resource = entry.resource;
  if (resource !== undefined && (!isObject(resource) || typeof resource.resourceType !== 'string')) {
    throw badRequest(`${at}.resource must be a resource`, [`${at}.resource`]);
  }
  if (path === '' && method === 'POST') {
    throw badRequest(`${at}: nested batch/transaction Bundles are not supported`, [`${at}.request.url`]);
  }
  const segments = path.split('/');
  const firstSegment = segments[0] ?? '';
  const resourceType = TYPE_PATTERN.test(firstSegment) ? firstSegment : undefined;
  const create = method === 'POST' && segments.length === 1 && resourceType !== undefined;
  if ((create || method === 'PUT' || method === 'PATCH') && !resource) {
    throw badRequest(`${at}.resource is required for ${method} ${path}`, [`${at}.resource`]);
  }
  const conditional = segments.length === 1 && resourceType !== undefined && query.length > 0 && method !== 'GET' && method !== 'HEAD' && method !== 'POST';
  if ((method === 'PUT' || method === 'DELETE' || method === 'PATCH') && !conditional && segments.length !== 2) {
    throw badRequest(`${at}.request.url must be [type]/[id] or a conditional [type]?[search] for ${method}`, [`${at}.request.url`]);
  }
  if (create && resource && resource.resourceType !== resourceType) {
    throw badRequest(`${at}.resource is a ${resource.resourceType} but the url names ${resourceType}`, [`${at}.resource`]);
  }
  const request: FhirRequest = {
    method: method as FhirMethod,
    path,
    query,
    headers: entryHeaders(req, method),
    body: method === 'PATCH' ? patchBody(resource as Resource, at) : resource,
  };
  if (method === 'PATCH') request.headers['content-type'] = patchContentType(resource as Resource);
  return {
    index,
    fullUrl: entry.fullUrl,
    method: method as FhirMethod,
    request,
    resourceType,
    id: segments.length >= 2 && resourceType ? segments[1] : undefined,
    conditional,
    create,
  };
}

/** The Bundle.entry.request elements that become headers or the url: all are FHIR strings (uri, instant as text). */
const REQUEST_STRING_FIELDS = ['method', 'url', 'ifNoneMatch', 'ifModifiedSince', 'ifMatch', 'ifNoneExist'] as const;

/**
 * Every string element of the entry's request (and fullUrl) must be a JSON string: a number or an
 * object would otherwise reach header parsing (`.trim()` of a non-string) and fail as a 500.
 */
function assertStringFields(entry: BundleEntry, req: Record<string, unknown>, at: string): void {
  if (entry.fullUrl !== undefined && typeof entry.fullUrl !== 'string') {
    throw badRequest(`${at}.fullUrl must be a string`, [`${at}.fullUrl`]);
  }
  for (const field of REQUEST_STRING_FIELDS) {
    const value = req[field];
    if (value !== undefined && typeof value !== 'string') {
      throw badRequest(`${at}.request.${field} must be a string, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`, [`${at}.request.${field}`]);
    }
  }
}

/** Accepts `Type/id?x`, `/Type/id`, or an absolute URL below this server's base. */
export function splitUrl(url: string, baseUrl: string, expression: string): { path: string; query: Array<[string, string]> } {
  let rest = url;
  if (/^https?:\/\//i.test(rest)) {
    const base = baseUrl.replace(/\/+$/, '');
    if (!rest.startsWith(`${base}/`) && rest !== base && !rest.startsWith(`${base}?`)) {
      throw badRequest(`${expression}: absolute URL ${url} is not on this server`, [expression]);
    }
    rest = rest.slice(base.length);
  }
  rest = rest.replace(/^\/+/, '');
  const q = rest.indexOf('?');
  const path = (q < 0 ? rest : rest.slice(0, q)).replace(/\/+$/, '');
  const query: Array<[string, string]> = [];
  if (q >= 0) {
    for (const [name, value] of new URLSearchParams(rest.slice(q + 1))) query.push([name, value]);
  }
  return { path, query };
}

function entryHeaders(req: NonNullable<BundleEntry['request']>, method: string): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  if (method === 'POST' || method === 'PUT') headers['content-type'] = 'application/fhir+json';
  if (req.ifMatch) headers['if-match'] = req.ifMatch;
  if (req.ifNoneMatch) headers['if-none-match'] = req.ifNoneMatch;
  if (req.ifNoneExist) headers['if-none-exist'] = req.ifNoneExist;
  if (req.ifModifiedSince) headers['if-modified-since'] = req.ifModifiedSince;
  return headers;
}

/**
 * In a Bundle a JSON Patch travels as a Binary (contentType application/json-patch+json, base64
 * data); a FHIRPath Patch as a Parameters resource, passed on for the patch interaction to judge.
 */
function patchBody(resource: Resource, at: string): unknown {
  if (resource.resourceType !== 'Binary') return resource;
  const data = (resource as { data?: unknown }).data;
  if (typeof data !== 'string') throw badRequest(`${at}.resource: a Binary patch needs data`, [`${at}.resource.data`]);
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
  } catch {
    throw badRequest(`${at}.resource.data is not a base64-encoded JSON Patch`, [`${at}.resource.data`]);
  }
}

function patchContentType(resource: Resource): string {
  if (resource.resourceType === 'Binary') return 'application/json-patch+json';
  return 'application/fhir+json';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
