import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { informational, outcome } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { etagOf, httpDate, parseVersionTag } from '../repository/ids';
import type { LiveDocument } from '../repository/write';
import { badRequest } from '../outcome';

/** The `return` preference of a Prefer header (RFC 7240): representation is the default. */
export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

export function preferredReturn(req: FhirRequest): ReturnPreference {
  const match = /(?:^|[,;\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(req.headers.prefer ?? '');
  const value = match?.[1]?.toLowerCase();
  if (value === 'minimal') return 'minimal';
  if (value === 'operationoutcome') return 'OperationOutcome';
  return 'representation';
}

/** ETag and Last-Modified of a stored version. */
export function versionHeaders(doc: Pick<LiveDocument, 'versionId' | 'lastUpdated'>): Record<string, string> {
  return { ETag: etagOf(doc.versionId), 'Last-Modified': httpDate(doc.lastUpdated) };
}

export const versionUrl = (ctx: FhirContext, type: string, id: string, versionId: number) =>
  `${ctx.settings.baseUrl}/${type}/${id}/_history/${versionId}`;

/** The answer to a successful create/update/patch, shaped by Prefer: return=... */
export function writeResponse(
  req: FhirRequest,
  ctx: FhirContext,
  type: string,
  doc: LiveDocument,
  status: number,
  issues: OperationOutcomeIssue[],
  message: string,
): FhirResponse {
  const headers = { ...versionHeaders(doc), Location: versionUrl(ctx, type, doc._id, doc.versionId) };
  switch (preferredReturn(req)) {
    case 'minimal':
      return { status, headers };
    case 'OperationOutcome':
      return { status, headers, body: issues.length > 0 ? outcome(issues) : informational(message) };
    default:
      return { status, headers, body: doc.resource as Resource };
  }
}

/** The version an If-Match header asks for; 400 when it is not a version ETag. */
export function ifMatchVersion(req: FhirRequest): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '') return undefined;
  const version = parseVersionTag(header);
  if (version === undefined) throw badRequest(`If-Match must be a version ETag such as W/"3", not '${header}'`);
  return version;
}

/**
 * The condition of an If-None-Match header on a write (RFC 9110 §13.1.2): `*` (create only if
 * absent) or a list of version ETags; 400 for anything else.
 */
export function ifNoneMatchCondition(req: FhirRequest): '*' | number[] | undefined {
  const header = req.headers['if-none-match'];
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return '*';
  const versions = header.split(',').map((tag) => parseVersionTag(tag));
  if (versions.some((v) => v === undefined)) throw badRequest(`If-None-Match must be * or version ETags such as W/"3", not '${header}'`);
  return versions as number[];
}
