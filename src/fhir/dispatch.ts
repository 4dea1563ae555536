import type { FhirContext, FhirRequest, FhirResponse } from './request';
import { useEntryDispatcher } from './interactions/batch';
import { assertBodyWithinLimits } from './limits/body-limits';
import { FhirError, notSupported } from './outcome';
import { matchRoute, type MatchedRoute } from './router';

/**
 * The single entry point of the FHIR layer: checks the request body against the body limits
 * (src/fhir/limits), routes the FhirRequest through the interaction table (src/fhir/router.ts) and
 * returns its FhirResponse, or throws FhirError. The HTTP layer and batch/transaction both call
 * it. HEAD is answered as GET; the HTTP layer drops the body.
 */
export async function dispatch(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  assertBodyWithinLimits(req.body, ctx.settings.bodyLimits);
  return route(req, ctx);
}

const WRITES = new Set(['create', 'update', 'conditional-update', 'patch', 'conditional-patch', 'delete', 'conditional-delete']);

async function route(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  if (!ctx.trail) return routed(matchRoute(req.method, req.path), req, ctx);
  // the audit trail wants every interaction, failed ones included
  let matched: MatchedRoute | undefined;
  try {
    matched = matchRoute(req.method, req.path);
    const response = await routed(matched, req, ctx);
    ctx.trail.push({ request: req, interaction: matched.route.interaction, ...matched.params, status: response.status, response });
    return response;
  } catch (error) {
    const status = error instanceof FhirError ? error.status : 500;
    ctx.trail.push({ request: req, interaction: matched?.route.interaction, ...matched?.params, status, error });
    throw error;
  }
}

function routed({ route: matched, params }: MatchedRoute, req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  const readOnly = ctx.settings.readOnlyTypes;
  if (readOnly && params.type && WRITES.has(matched.interaction) && readOnly.includes(params.type)) {
    throw notSupported(`${params.type} is written by the server only: ${matched.interaction} is not allowed`);
  }
  return matched.handler(req, ctx, params);
}

/**
 * Batch/transaction entries run through the same routing and access checks. Their resources are
 * parts of the Bundle body, already checked as a whole; only a PATCH body is new JSON (decoded
 * from a Binary's base64 data), so only it is checked again.
 */
useEntryDispatcher((req, ctx) => {
  if (req.method === 'PATCH') assertBodyWithinLimits(req.body, ctx.settings.bodyLimits);
  return route(req, ctx);
});
