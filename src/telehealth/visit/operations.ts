import type { Appointment } from 'fhir/r4';
import { assertLive, findCurrent } from '../../fhir/repository/documents';
import { updateResource } from '../../fhir/repository/write';
import { issue, unprocessable } from '../../fhir/outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../../fhir/request';
import { atomically } from '../internal';
import { closeVisitEncounter, openVisitEncounter } from './encounter';

export const START_VISIT_URL = 'https://telefhir.example/fhir/OperationDefinition/start-visit';
export const END_VISIT_URL = 'https://telefhir.example/fhir/OperationDefinition/end-visit';

/** Moves the Appointment to `to` (through the state machine hook) unless it is there already. */
async function moveTo(tx: FhirContext, id: string, to: Appointment['status']): Promise<Appointment> {
  const doc = await findCurrent(tx, 'Appointment', id, tx.session);
  assertLive(doc, 'Appointment', id);
  const current = doc.resource as Appointment;
  if (current.status === to) return current;
  const { doc: updated } = await updateResource(tx, 'Appointment', id, { ...current, status: to }, { baseVersion: doc.versionId });
  return updated.resource as Appointment;
}

/** Appointment/[id]/$start-visit: status → arrived; returns the in-progress Encounter (class VR). */
async function startVisit(call: OperationCall, ctx: FhirContext) {
  const id = call.id as string;
  const encounter = await atomically(ctx, async (tx) => {
    const appointment = await moveTo(tx, id, 'arrived');
    // idempotent: a second $start-visit returns the Encounter the first one opened
    return openVisitEncounter(tx, appointment);
  });
  return { status: 200, body: encounter };
}

/** Appointment/[id]/$end-visit: status → fulfilled; returns the finished Encounter. */
async function endVisit(call: OperationCall, ctx: FhirContext) {
  const id = call.id as string;
  const encounter = await atomically(ctx, async (tx) => {
    await moveTo(tx, id, 'fulfilled');
    return closeVisitEncounter(tx, id, 'finished');
  });
  if (!encounter) {
    throw unprocessable([issue('error', 'not-found', `Appointment/${id} is fulfilled but has no visit Encounter (it was never started)`)]);
  }
  return { status: 200, body: encounter };
}

const instanceOp = (name: string, definition: string, documentation: string, handler: OperationDefinitionRef['handler']): OperationDefinitionRef => ({
  name,
  definition,
  resourceTypes: ['Appointment'],
  system: false,
  type: false,
  instance: true,
  affectsState: true,
  documentation,
  handler,
});

export const visitOperations: OperationDefinitionRef[] = [
  instanceOp(
    'start-visit',
    START_VISIT_URL,
    'Starts a video visit: Appointment.status → arrived and an in-progress Encounter (class VR) is opened or reused and returned.',
    startVisit,
  ),
  instanceOp(
    'end-visit',
    END_VISIT_URL,
    "Ends a video visit: Appointment.status → fulfilled and the visit's Encounter is finished (period.end) and returned.",
    endVisit,
  ),
];
