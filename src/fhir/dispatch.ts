import type { FhirContext, FhirRequest, FhirResponse } from './request';
import { useEntryDispatcher } from './interactions/batch';
import { assertBodyWithinLimits } from './limits/body-limits';
import { matchRoute } from './router';

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

function route(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  const { route: matched, params } = matchRoute(req.method, req.path);
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
