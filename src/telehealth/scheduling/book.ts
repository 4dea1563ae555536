import type { Appointment, AppointmentParticipant, Reference, Schedule, Slot } from 'fhir/r4';
import { assertTypeAccess } from '../../fhir/access/enforce';
import { badRequest, conflict, issue, unprocessable } from '../../fhir/outcome';
import type { FhirContext, OperationCall, OperationDefinitionRef } from '../../fhir/request';
import { findCurrent } from '../../fhir/repository/documents';
import { newResourceId } from '../../fhir/repository/ids';
import { createResource, updateResource } from '../../fhir/repository/write';
import type { TelehealthConfig } from '../config';
import { atomically, loadLive, parseReference, serverContext } from '../internal';
import { telehealthProfiles } from '../profiles';

export const BOOK_URL = 'https://telefhir.example/fhir/OperationDefinition/book';

/** What a booking asks for, from Parameters (slot, patient, practitioner) or an Appointment with `slot`. */
interface BookingRequest {
  slot: { type: string; id: string };
  patient?: Reference;
  practitioner?: Reference;
  /** The client's Appointment, when it sent one: kept, with status, slot, start and end set by the server. */
  appointment?: Appointment;
}

function single(call: OperationCall, name: string): unknown {
  const values = call.parameters.get(name) ?? [];
  if (values.length > 1) throw badRequest(`$book takes at most one '${name}' parameter`, [`Parameters.parameter.where(name='${name}')`]);
  return values[0];
}

function asReference(value: unknown, name: string): Reference | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { reference: value };
  if (value && typeof value === 'object' && typeof (value as Reference).reference === 'string') return { reference: (value as Reference).reference };
  throw badRequest(`$book parameter '${name}' must be a Reference (valueReference)`, [`Parameters.parameter.where(name='${name}')`]);
}

export function parseBooking(call: OperationCall, baseUrl: string): BookingRequest {
  const resource = single(call, 'appointment') ?? single(call, 'resource');
  let appointment: Appointment | undefined;
  if (resource !== undefined) {
    if ((resource as { resourceType?: string }).resourceType !== 'Appointment') {
      throw badRequest('$book takes an Appointment resource (or Parameters with slot and patient)');
    }
    appointment = resource as Appointment;
  }
  const slotRef = asReference(single(call, 'slot'), 'slot') ?? appointment?.slot?.[0];
  if (!slotRef) throw badRequest("$book needs the Slot to book: a 'slot' parameter or Appointment.slot", ['Parameters.parameter']);
  const slot = parseReference(slotRef, baseUrl);
  if (!slot || slot.type !== 'Slot') throw badRequest(`'${slotRef.reference ?? ''}' is not a Slot reference`, ['Parameters.parameter']);
  const patient =
    asReference(single(call, 'patient'), 'patient') ??
    appointment?.participant?.map((p) => p.actor).find((a) => a?.reference?.startsWith('Patient/'));
  if (!patient) throw badRequest("$book needs the patient: a 'patient' parameter or a Patient participant", ['Parameters.parameter']);
  const practitioner = asReference(single(call, 'practitioner'), 'practitioner');
  return { slot, patient, practitioner, appointment };
}

async function mustExist(ctx: FhirContext, ref: Reference, types: string[], what: string): Promise<Reference> {
  const target = parseReference(ref, ctx.settings.baseUrl);
  if (!target || !types.includes(target.type) || !(await loadLive(ctx, target.type, target.id))) {
    throw unprocessable([issue('error', 'not-found', `The ${what} ${ref.reference ?? ''} does not exist`, [`Parameters.parameter.where(name='${what}')`])]);
  }
  return { reference: `${target.type}/${target.id}` };
}

/** The Practitioner (or PractitionerRole) the Slot's Schedule belongs to. */
async function clinicianOfSlot(ctx: FhirContext, slot: Slot): Promise<Reference | undefined> {
  const schedule = parseReference(slot.schedule, ctx.settings.baseUrl);
  if (!schedule) return undefined;
  const found = await loadLive<Schedule>(ctx, 'Schedule', schedule.id);
  const actor = found?.actor.find((a) => /^(Practitioner|PractitionerRole)\//.test(a.reference ?? ''));
  return actor ? { reference: actor.reference as string } : undefined;
}

/** The service type TelehealthAppointment requires (profiles/TelehealthAppointment.json, slice videoVisit). */
const VIDEO_VISIT = { system: 'http://snomed.info/sct', code: '448337001', display: 'Telemedicine consultation with patient' } as const;

function participant(actor: Reference): AppointmentParticipant {
  return { actor, required: 'required', status: 'accepted' };
}

function buildAppointment(id: string, slot: Slot, booking: BookingRequest, patient: Reference, clinician: Reference | undefined, config: TelehealthConfig): Appointment {
  const profiles = telehealthProfiles();
  const base: Appointment = booking.appointment ? structuredClone(booking.appointment) : { resourceType: 'Appointment', status: 'booked', participant: [] };
  const participants = (base.participant ?? []).filter((p) => p.actor?.reference !== patient.reference && p.actor?.reference !== clinician?.reference);
  const claimed = base.meta?.profile ?? [];
  const otherExtensions = (base.extension ?? []).filter((e) => e.url !== profiles.joinLinkExtension);
  const appointment: Appointment = {
    ...base,
    resourceType: 'Appointment',
    id,
    meta: { ...base.meta, profile: claimed.includes(profiles.appointment) ? claimed : [...claimed, profiles.appointment] },
    extension: [...otherExtensions, { url: profiles.joinLinkExtension, valueUrl: `${config.joinUrlBase}/${id}` }],
    status: 'booked',
    start: slot.start,
    end: slot.end,
    slot: [{ reference: `Slot/${slot.id as string}` }],
    created: base.created ?? new Date().toISOString().slice(0, 10),
    participant: [participant(patient), ...(clinician ? [participant(clinician)] : []), ...participants],
  };
  if (!appointment.serviceType && slot.serviceType) appointment.serviceType = slot.serviceType;
  // TelehealthAppointment requires the video-visit service type (SNOMED CT 448337001)
  if (!appointment.serviceType?.some((c) => c.coding?.some((x) => x.system === VIDEO_VISIT.system && x.code === VIDEO_VISIT.code))) {
    appointment.serviceType = [...(appointment.serviceType ?? []), { coding: [{ ...VIDEO_VISIT }] }];
  }
  if (!appointment.serviceCategory && slot.serviceCategory) appointment.serviceCategory = slot.serviceCategory;
  if (!appointment.specialty && slot.specialty) appointment.specialty = slot.specialty;
  if (!appointment.appointmentType && slot.appointmentType) appointment.appointmentType = slot.appointmentType;
  return appointment;
}

/**
 * Appointment/$book: books a free Slot ATOMICALLY — the Slot turns busy and a booked Appointment
 * is created in one store transaction. Of two concurrent bookings of one Slot exactly one wins;
 * the other gets 409 (the Slot is no longer free, or its version moved under it).
 */
async function book(call: OperationCall, ctx: FhirContext, config: TelehealthConfig) {
  assertTypeAccess(ctx.access, 'create', 'Appointment');
  const booking = parseBooking(call, ctx.settings.baseUrl);
  const id = newResourceId();
  const created = await atomically(ctx, async (tx) => {
    const slotDoc = await findCurrent(tx, 'Slot', booking.slot.id, tx.session);
    if (!slotDoc || slotDoc.deleted || !slotDoc.resource) {
      throw unprocessable([issue('error', 'not-found', `Slot/${booking.slot.id} does not exist`, ["Parameters.parameter.where(name='slot')"])]);
    }
    const slot = slotDoc.resource as Slot;
    if (slot.status !== 'free') throw conflict(`Slot/${booking.slot.id} is not free (status ${slot.status})`);
    const patient = await mustExist(tx, booking.patient as Reference, ['Patient'], 'patient');
    const clinician = booking.practitioner
      ? await mustExist(tx, booking.practitioner, ['Practitioner', 'PractitionerRole'], 'practitioner')
      : await clinicianOfSlot(tx, slot);
    // the Slot first: a concurrent booking loses here (version precondition) before creating anything
    await updateResource(serverContext(tx), 'Slot', booking.slot.id, { ...slot, status: 'busy' }, { baseVersion: slotDoc.versionId });
    const appointment = buildAppointment(id, slot, booking, patient, clinician, config);
    const { doc } = await createResource(tx, 'Appointment', appointment, { id });
    return doc;
  });
  const location = `${ctx.settings.baseUrl}/Appointment/${id}/_history/${created.versionId}`;
  return { status: 201, body: created.resource, headers: { Location: location, ETag: `W/"${created.versionId}"` } };
}

export function bookOperation(config: TelehealthConfig): OperationDefinitionRef {
  return {
    name: 'book',
    definition: BOOK_URL,
    resourceTypes: ['Appointment'],
    system: false,
    type: true,
    instance: false,
    affectsState: true,
    documentation: 'Books a free Slot for a patient: the Slot becomes busy and a booked video-visit Appointment is returned (409 when the Slot is taken).',
    handler: (call, ctx) => book(call, ctx, config),
  };
}
