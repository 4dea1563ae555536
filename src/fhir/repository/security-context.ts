import type { Binary } from 'fhir/r4';
import type { TxSession } from '../../storage/port';
import { isResourceType } from '../definitions/resource-types';
import type { FhirContext } from '../request';
import type { ResourceDocument } from '../resource-document';
import { currentCollection } from './documents';

type Judged = Pick<ResourceDocument, 'resource' | 'compartments' | 'idx'>;
const REFERENCE = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * A Binary takes the access rules of its `securityContext` (hl7.org/fhir/R4/binary.html): a
 * `Patient/x` context is indexed as the Binary's compartment at write time; any other resource
 * (a DocumentReference, a Media, ...) lends its current compartments here, at read time, so a
 * patient-scoped app reads the content of its own patient's documents and nobody else's.
 */
export async function withSecurityContext<T extends Judged>(ctx: FhirContext, type: string, doc: T, session?: TxSession): Promise<T> {
  if (type !== 'Binary' || ctx.access.unrestricted) return doc;
  const match = REFERENCE.exec((doc.resource as Binary | undefined)?.securityContext?.reference ?? '');
  const [, proxyType, proxyId] = match ?? [];
  if (!proxyType || !proxyId || proxyType === 'Patient' || proxyType === 'Binary' || !isResourceType(proxyType)) return doc;
  const proxy = await currentCollection(ctx, proxyType).findOne({ _id: proxyId }, { session, projection: { compartments: 1, deleted: 1 } });
  if (!proxy || proxy.deleted || !proxy.compartments?.length) return doc;
  return { ...doc, compartments: [...new Set([...(doc.compartments ?? []), ...proxy.compartments])] };
}
