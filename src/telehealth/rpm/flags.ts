import type { Flag, Observation } from 'fhir/r4';
import type { AfterWriteHook, FhirContext } from '../../fhir/request';
import { updateResource } from '../../fhir/repository/write';
import type { TelehealthConfig } from '../config';
import { derivedId, loadLive, serverContext } from '../internal';
import { isRemoteReading } from './ingest';
import { describe, outOfRange } from './thresholds';

/** R4 core extension: the resource that explains a Flag (here, the out-of-range reading). */
export const FLAG_DETAIL = 'http://hl7.org/fhir/StructureDefinition/flag-detail';

export const flagIdOf = (observationId: string) => derivedId('rpm', observationId);

function effectiveStart(observation: Observation): string | undefined {
  return observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.effectiveInstant ?? observation.issued;
}

function flagFor(observation: Observation, id: string, text: string): Flag {
  const flag: Flag = {
    resourceType: 'Flag',
    id: flagIdOf(id),
    extension: [{ url: FLAG_DETAIL, valueReference: { reference: `Observation/${id}` } }],
    status: 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    code: { text },
    subject: { reference: observation.subject?.reference as string },
  };
  const start = effectiveStart(observation);
  if (start) flag.period = { start };
  if (observation.device?.reference?.startsWith('Device/')) flag.author = { reference: observation.device.reference };
  return flag;
}

/**
 * Raises (or refreshes) one Flag per out-of-range remote reading, so that clinicians find it
 * with `Flag?patient=X&status=active`; a corrected reading back in range makes its Flag inactive.
 * The Flag id derives from the Observation id, so re-evaluation never duplicates it.
 */
async function syncFlag(ctx: FhirContext, config: TelehealthConfig, id: string, observation: Observation | undefined, created: boolean): Promise<void> {
  const flagId = flagIdOf(id);
  const findings = observation && isRemoteReading(observation) && observation.subject?.reference ? outOfRange(observation, config.thresholds) : [];
  // a brand-new reading in range has no Flag to retire: skip the lookup (the ingest hot path)
  if (findings.length === 0 && created) return;
  const server = serverContext(ctx);
  const existing = await loadLive<Flag>(server, 'Flag', flagId);
  if (findings.length === 0) {
    if (existing && existing.status === 'active') await updateResource(server, 'Flag', flagId, { ...existing, status: 'inactive' });
    return;
  }
  const text = `Out-of-range reading: ${findings.map(describe).join('; ')}`;
  const flag = flagFor(observation as Observation, id, text);
  if (existing && existing.status === flag.status && existing.code.text === text) return;
  await updateResource(server, 'Flag', flagId, flag);
}

export function flagAfterWrite(config: TelehealthConfig): AfterWriteHook {
  return async (event, ctx) => {
    if (event.resourceType !== 'Observation' || !config.raiseFlags) return;
    const touched = [event.before, event.after].some((o) => o !== undefined && isRemoteReading(o as Observation));
    if (!touched) return;
    await syncFlag(ctx, config, event.id, event.after as Observation | undefined, event.interaction === 'create');
  };
}
