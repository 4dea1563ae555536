import type { FhirContext, FhirRequest, FhirResponse } from './request';

/**
 * The single entry point of the FHIR layer: routes a FhirRequest through the interaction table
 * and returns its FhirResponse, or throws FhirError. The HTTP layer and batch/transaction both call it.
 * FIRST CUT (contract only): the core issue replaces this body.
 */
export async function dispatch(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  void req;
  void ctx;
  throw new Error('dispatch not implemented yet');
}
