import type { FhirContext, FhirRequest, FhirResponse } from './request';
import { useEntryDispatcher } from './interactions/batch';
import { matchRoute } from './router';

/**
 * The single entry point of the FHIR layer: routes a FhirRequest through the interaction table
 * (src/fhir/router.ts) and returns its FhirResponse, or throws FhirError. The HTTP layer and
 * batch/transaction both call it. HEAD is answered as GET; the HTTP layer drops the body.
 */
export async function dispatch(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  const { route, params } = matchRoute(req.method, req.path);
  return route.handler(req, ctx, params);
}

// Batch/transaction entries run through this very function (same routing, same access checks).
useEntryDispatcher(dispatch);
