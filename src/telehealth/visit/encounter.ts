import type { Appointment, Encounter, EncounterParticipant, Reference } from 'fhir/r4';
import { FhirError } from '../../fhir/outcome';
import type { FhirContext } from '../../fhir/request';
import { updateResource } from '../../fhir/repository/write';
import { findMatches } from '../../fhir/search/api';
import { derivedId, loadLive, serverContext } from '../internal';
import { telehealthProfiles } from '../profiles';

/** Encounter.class of a video visit: v3-ActCode VR (virtual). */
export const VIRTUAL_CLASS = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' } as const;

const PRIMARY_PERFORMER = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF', display: 'primary performer' }],
};

const actorsOf = (appointment: Appointment, types: string[]): Reference[] =>
  (appointment.participant ?? [])
    .map((p) => p.actor)
    .filter((a): a is Reference => typeof a?.reference === 'string' && types.some((t) => (a.reference as string).startsWith(`${t}/`)));

export const patientOf = (appointment: Appointment): Reference | undefined => actorsOf(appointment, ['Patient'])[0];
export const cliniciansOf = (appointment: Appointment): Reference[] => actorsOf(appointment, ['Practitioner', 'PractitionerRole']);

/** The id under which a visit's Encounter is created: stable, so retries never duplicate it. */
export const visitEncounterId = (appointmentId: string) => derivedId('visit', appointmentId);

/**
 * The Encounter of an Appointment: the one this module opened, else one a client created that
 * points at the Appointment (Encounter.appointment).
 */
export async function findVisitEncounter(ctx: FhirContext, appointmentId: string): Promise<Encounter | undefined> {
  const own = await loadLive<Encounter>(ctx, 'Encounter', visitEncounterId(appointmentId));
  if (own) return own;
  const matches = await findMatches('Encounter', [['appointment', `Appointment/${appointmentId}`]], ctx, 1);
  return matches[0]?.resource as Encounter | undefined;
}

async function save(ctx: FhirContext, encounter: Encounter): Promise<Encounter> {
  const { doc } = await updateResource(serverContext(ctx), 'Encounter', encounter.id as string, encounter);
  return doc.resource as Encounter;
}

/** Opens the visit's Encounter (in-progress, class VR, period.start now) or reuses the open one. */
export async function openVisitEncounter(ctx: FhirContext, appointment: Appointment): Promise<Encounter> {
  const id = appointment.id as string;
  const existing = await findVisitEncounter(ctx, id);
  if (existing && existing.status === 'in-progress') return existing;
  if (existing && ['finished', 'cancelled', 'entered-in-error'].includes(existing.status)) {
    throw new FhirError(409, `Encounter/${existing.id} of Appointment/${id} is already ${existing.status}`);
  }
  const now = new Date().toISOString();
  const base: Encounter = existing ?? {
    resourceType: 'Encounter',
    id: visitEncounterId(id),
    meta: { profile: [telehealthProfiles().encounter] },
    status: 'in-progress',
    class: { ...VIRTUAL_CLASS },
  };
  const participants: EncounterParticipant[] = cliniciansOf(appointment).map((individual) => ({
    type: [structuredClone(PRIMARY_PERFORMER)],
    individual: { reference: individual.reference as string },
  }));
  const encounter: Encounter = {
    ...base,
    status: 'in-progress',
    class: { ...VIRTUAL_CLASS },
    subject: base.subject ?? patientOf(appointment),
    appointment: base.appointment ?? [{ reference: `Appointment/${id}` }],
    period: { ...base.period, start: base.period?.start ?? now },
  };
  if (!base.participant && participants.length > 0) encounter.participant = participants;
  if (!base.serviceType && appointment.serviceType?.[0]) encounter.serviceType = appointment.serviceType[0];
  if (!base.reasonCode && appointment.reasonCode) encounter.reasonCode = appointment.reasonCode;
  return save(ctx, encounter);
}

/**
 * Ends the visit's Encounter: `finished` with period.end when the Appointment is fulfilled;
 * `cancelled` (cancelled / noshow, before it began) or `entered-in-error`. No Encounter → none made.
 */
export async function closeVisitEncounter(
  ctx: FhirContext,
  appointmentId: string,
  to: 'finished' | 'cancelled' | 'entered-in-error',
): Promise<Encounter | undefined> {
  const existing = await findVisitEncounter(ctx, appointmentId);
  if (!existing || existing.status === to) return existing;
  if (existing.status === 'finished' || existing.status === 'cancelled') return existing;
  const now = new Date().toISOString();
  const encounter: Encounter = { ...existing, status: to };
  if (to === 'finished') {
    encounter.period = { ...existing.period, start: existing.period?.start ?? now, end: now };
    encounter.statusHistory = [...(existing.statusHistory ?? []), { status: existing.status, period: { start: existing.period?.start ?? now, end: now } }];
  }
  return save(ctx, encounter);
}
