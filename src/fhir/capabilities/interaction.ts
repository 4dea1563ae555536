import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { capabilityStatement, type ImplementedInteractions } from './statement';

/**
 * capabilities: GET metadata. The interaction lists come from the router table, registered at
 * module load by the router (see `registerImplemented`), so the statement says what is routed.
 */
let implemented: ImplementedInteractions = { type: [], system: [] };

export function registerImplemented(value: ImplementedInteractions): void {
  implemented = value;
}

export async function capabilities(_req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  return { status: 200, body: capabilityStatement(ctx, implemented) };
}
