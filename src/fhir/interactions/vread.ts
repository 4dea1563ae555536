import { notFound } from '../outcome';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { readVersion } from '../repository/read';
import { versionHeaders } from './respond';

/** vread: GET [type]/[id]/_history/[vid]. Version ids are the decimal version numbers. */
export async function vread(_req: FhirRequest, ctx: FhirContext, type: string, id: string, vid: string): Promise<FhirResponse> {
  if (!/^[1-9]\d{0,14}$/.test(vid)) {
    // this server's version ids are positive integers: anything else names no version
    throw notFound(`Version ${vid} of ${type}/${id} is not known`);
  }
  const doc = await readVersion(ctx, type, id, Number(vid));
  return { status: 200, headers: versionHeaders(doc), body: doc.resource };
}
