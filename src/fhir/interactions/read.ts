import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { parseVersionTag } from '../repository/ids';
import { readResource } from '../repository/read';
import { versionHeaders } from './respond';

/** read: GET [type]/[id], with If-None-Match and If-Modified-Since (304 Not Modified). */
export async function read(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const doc = await readResource(ctx, type, id);
  const headers = versionHeaders(doc);
  if (notModified(req, doc.versionId, doc.lastUpdatedMs)) return { status: 304, headers };
  return { status: 200, headers, body: doc.resource };
}

function notModified(req: FhirRequest, versionId: number, lastUpdatedMs: number): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // If-None-Match wins over If-Modified-Since (RFC 7232 §6)
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || parseVersionTag(tag) === versionId);
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have a resolution of one second
    if (!Number.isNaN(since)) return Math.floor(lastUpdatedMs / 1000) * 1000 <= since;
  }
  return false;
}
