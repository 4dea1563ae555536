/** Raw (non-FHIR-JSON body) routes: the contract lives with the other transport-free types. */
export type { RawRequest, RawResponse, RawRoute } from '../fhir/raw-route';
