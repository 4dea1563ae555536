import type { Identifier, Observation } from 'fhir/r4';
import { conflict, issue, unprocessable } from '../../fhir/outcome';
import type { BeforeWriteHook, FhirContext } from '../../fhir/request';
import { identifierClaimKey, writeClaim } from '../../fhir/repository/claims';
import { findMatches } from '../../fhir/search/api';
import { stripVersion } from '../../fhir/definitions/structure-definitions';
import { loadLive, parseReference } from '../internal';
import { telehealthProfiles } from '../profiles';

/**
 * Remote patient monitoring readings. THE RULE: an Observation is a remote reading when it claims
 * the RemoteMonitoringObservation profile in meta.profile (there is no separate ingest operation:
 * readings arrive as plain creates and transactions). Any other Observation is plain R4, whatever
 * its `device` says: R4 allows Reference(Device|DeviceMetric) and display-only references there
 * (HL7's Observation-ekg and Observation-satO2 examples). A remote reading
 * - is validated against the profile by the core, as is every claimed profile;
 * - must reference a registered Device (Observation.device resolves to a live Device) → else 422;
 * - must have a subject that is an existing Patient → else 422;
 * - is unique by Observation.identifier: a create whose identifier (system|value) already belongs
 *   to another Observation is refused with 409, so a retried upload never duplicates a reading.
 *   Retries that should succeed use conditional create (If-None-Exist / Bundle ifNoneExist:
 *   `identifier=system|value`), which answers 200 with the stored reading.
 * Out-of-range remote readings raise Flags (flags.ts).
 */
export function isRemoteReading(observation: Observation): boolean {
  return (observation.meta?.profile ?? []).some((p) => stripVersion(p) === telehealthProfiles().remoteObservation);
}

const invalid = (message: string, expression: string) => unprocessable([issue('error', 'business-rule', message, [expression])]);

async function assertDevice(ctx: FhirContext, observation: Observation): Promise<void> {
  if (!observation.device) throw invalid('A remote monitoring reading must reference the Device that measured it', 'Observation.device');
  const target = parseReference(observation.device, ctx.settings.baseUrl);
  if (!target || target.type !== 'Device') {
    throw invalid(`Observation.device must reference a registered Device (got '${observation.device.reference ?? ''}')`, 'Observation.device');
  }
  if (!(await loadLive(ctx, 'Device', target.id))) {
    throw invalid(`Device/${target.id} is not registered on this server; register the Device first`, 'Observation.device');
  }
}

async function assertPatient(ctx: FhirContext, observation: Observation): Promise<void> {
  const target = parseReference(observation.subject, ctx.settings.baseUrl);
  if (!target || target.type !== 'Patient') {
    throw invalid('A remote monitoring reading must have a Patient subject', 'Observation.subject');
  }
  if (!(await loadLive(ctx, 'Patient', target.id))) throw invalid(`Patient/${target.id} does not exist`, 'Observation.subject');
}

const usable = (i: Identifier): i is Identifier & { system: string; value: string } =>
  typeof i.system === 'string' && typeof i.value === 'string' && i.value.length > 0;

/**
 * Runs inside the create's transaction (ctx.session): the search sees the transaction's snapshot
 * and the identifier claim makes two concurrent uploads of one reading conflict on MongoDB, so
 * the one run again finds the first and answers 409 (or 200 for a conditional create).
 */
async function assertNewIdentifiers(ctx: FhirContext, observation: Observation, id: string): Promise<void> {
  for (const identifier of (observation.identifier ?? []).filter(usable)) {
    const token = `${identifier.system}|${identifier.value}`;
    if (ctx.session) await writeClaim(ctx.store, identifierClaimKey('Observation', identifier.system, identifier.value), 'Observation', id, ctx.session);
    const found = (await findMatches('Observation', [['identifier', token]], ctx, 2)).find((doc) => doc._id !== id);
    if (found) {
      throw conflict(
        `A reading with identifier ${token} is already stored as Observation/${found._id}; ` +
          `send it as a conditional create (If-None-Exist: identifier=${token}) to make retries idempotent`,
      );
    }
  }
}

export const observationBeforeWrite: BeforeWriteHook = async (event, ctx) => {
  if (event.resourceType !== 'Observation' || !event.after) return;
  const observation = event.after as Observation;
  if (!isRemoteReading(observation)) return;
  await assertDevice(ctx, observation);
  await assertPatient(ctx, observation);
  if (event.interaction === 'create') await assertNewIdentifiers(ctx, observation, event.id);
};
