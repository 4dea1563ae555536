import type { Appointment } from 'fhir/r4';
import { issue, unprocessable } from '../../fhir/outcome';
import type { AfterWriteHook, BeforeWriteHook } from '../../fhir/request';
import { closeVisitEncounter, openVisitEncounter, patientOf } from './encounter';
import { assertTransition } from './status-machine';

const OPENS_VISIT = new Set<Appointment['status']>(['arrived', 'checked-in']);

/**
 * Every write of an Appointment (PUT, PATCH, transaction entry, $start-visit) goes through the
 * status state machine, however the client writes it.
 */
export const appointmentBeforeWrite: BeforeWriteHook = async (event) => {
  if (event.resourceType !== 'Appointment' || !event.after) return;
  const after = event.after as Appointment;
  const before = event.before as Appointment | undefined;
  if (before) assertTransition(before.status, after.status);
  if (OPENS_VISIT.has(after.status) && before?.status !== after.status && !patientOf(after)) {
    throw unprocessable([
      issue('error', 'business-rule', 'A visit can only start when the Appointment has a Patient participant', ['Appointment.participant']),
    ]);
  }
};

/** Keeps the visit's Encounter in step with the Appointment status. */
export const appointmentAfterWrite: AfterWriteHook = async (event, ctx) => {
  if (event.resourceType !== 'Appointment' || !event.after) return;
  const after = event.after as Appointment;
  const previous = (event.before as Appointment | undefined)?.status;
  if (previous === after.status) return;
  // a new Appointment has no visit to close yet (historical imports create them as they were)
  if (previous === undefined && !OPENS_VISIT.has(after.status)) return;
  const id = after.id ?? event.id;
  switch (after.status) {
    case 'arrived':
    case 'checked-in':
      await openVisitEncounter(ctx, { ...after, id });
      return;
    case 'fulfilled':
      await closeVisitEncounter(ctx, id, 'finished');
      return;
    case 'cancelled':
    case 'noshow':
      await closeVisitEncounter(ctx, id, 'cancelled');
      return;
    case 'entered-in-error':
      await closeVisitEncounter(ctx, id, 'entered-in-error');
      return;
    default:
      return;
  }
};
