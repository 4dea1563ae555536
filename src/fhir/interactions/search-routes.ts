import { badRequest, notFound } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { searchResources, type SearchInput } from '../search/api';

/**
 * The router's bridge to the search module (src/fhir/search/api.ts `searchResources`): builds the
 * SearchInput of type, system and compartment searches. POST [type]/_search carries its
 * parameters as an application/x-www-form-urlencoded body (a string or a parsed object).
 */
const COMPARTMENT_TYPES = new Set(['Patient']);

export function searchType(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  return run(req, ctx, { resourceType: type, query: [...req.query, ...formParameters(req)], lenient: isLenient(req) });
}

export function searchSystem(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  return run(req, ctx, { query: req.query, lenient: isLenient(req) });
}

export function searchCompartment(
  req: FhirRequest,
  ctx: FhirContext,
  compartmentType: string,
  id: string,
  target: string,
): Promise<FhirResponse> {
  if (!COMPARTMENT_TYPES.has(compartmentType)) throw notFound(`The ${compartmentType} compartment is not supported`);
  return run(req, ctx, { resourceType: target, query: req.query, compartment: { type: compartmentType, id }, lenient: isLenient(req) });
}

async function run(_req: FhirRequest, ctx: FhirContext, input: SearchInput): Promise<FhirResponse> {
  return { status: 200, body: await searchResources(input, ctx) };
}

const isLenient = (req: FhirRequest) => /handling\s*=\s*lenient/i.test(req.headers.prefer ?? '');

function formParameters(req: FhirRequest): Array<[string, string]> {
  if (req.method !== 'POST' || req.body === undefined || req.body === null || req.body === '') return [];
  if (typeof req.body === 'string') return [...new URLSearchParams(req.body)];
  if (Buffer.isBuffer(req.body)) return [...new URLSearchParams(req.body.toString('utf8'))];
  if (typeof req.body === 'object' && !Array.isArray(req.body) && !('resourceType' in req.body)) {
    const pairs: Array<[string, string]> = [];
    for (const [name, value] of Object.entries(req.body as Record<string, unknown>)) {
      for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, String(v)]);
    }
    return pairs;
  }
  throw badRequest('POST _search takes application/x-www-form-urlencoded parameters');
}
