
import type { RawRequest } from '../../fhir/raw-route';

export type { RawRequest, RawResponse, RawRoute } from '../../fhir/raw-route';

const FHIR_MEDIA_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'application/fhir+xml', 'application/xml+fhir', 'application/xml', 'text/xml'];

/** The media type without parameters, lower case (`image/png; q=1` → `image/png`). */
export const mediaType = (value: string | undefined) => (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** True for a FHIR format (a body the generic engine parses; a representation it renders). */
export const isFhirMediaType = (value: string | undefined) => FHIR_MEDIA_TYPES.includes(mediaType(value));

/** True when the client asks for the Binary resource rather than its bytes (Accept or _format). */
export function wantsFhirResource(req: Pick<RawRequest, 'headers' | 'query'>): boolean {
  const format = req.query.find(([name]) => name === '_format')?.[1];
  if (format) return /json|xml/i.test(format);
  const accept = req.headers['accept'];
  if (!accept) return false;
  return accept.split(',').some((part) => isFhirMediaType(part));
}
