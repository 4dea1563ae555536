import type { Appointment } from 'fhir/r4';
import { issue, unprocessable } from '../../fhir/outcome';

export type AppointmentStatus = Appointment['status'];

/**
 * The Appointment status transitions Telefhir allows, after the R4 appointment state machine
 * (hl7.org/fhir/R4/appointment.html#statemachine, codes of the appointmentstatus value set):
 *
 *   proposed ─► pending ─► booked ─► arrived ─► fulfilled
 *      │           │   ▲      │  ▲      │  ▲
 *      │           ▼   │      │  │      ▼  │
 *      └────────► waitlist    │  └── checked-in ─► fulfilled
 *                             ├─► cancelled
 *                             └─► noshow
 *
 * - Before the visit (proposed, pending, waitlist, booked) it may still be cancelled.
 * - Once the patient has arrived / checked in, the visit can only be fulfilled.
 * - fulfilled, cancelled and noshow are final; any status may be marked entered-in-error, which
 *   is final too. Keeping the same status (editing other fields) is always allowed.
 * - A create may start in any status (historical imports, the seed's past visits).
 */
const ALLOWED: Readonly<Record<AppointmentStatus, readonly AppointmentStatus[]>> = {
  proposed: ['pending', 'booked', 'waitlist', 'cancelled'],
  pending: ['booked', 'waitlist', 'cancelled'],
  waitlist: ['pending', 'booked', 'cancelled'],
  booked: ['arrived', 'checked-in', 'cancelled', 'noshow'],
  arrived: ['checked-in', 'fulfilled'],
  'checked-in': ['arrived', 'fulfilled'],
  fulfilled: [],
  cancelled: [],
  noshow: [],
  'entered-in-error': [],
};

export function isAllowedTransition(from: AppointmentStatus, to: AppointmentStatus): boolean {
  if (from === to) return true;
  if (to === 'entered-in-error') return from in ALLOWED;
  return ALLOWED[from]?.includes(to) ?? false;
}

/** The statuses reachable from `from` (for error messages and docs). */
export function nextStatuses(from: AppointmentStatus): AppointmentStatus[] {
  const next = ALLOWED[from] ?? [];
  return from === 'entered-in-error' ? [] : [...next, 'entered-in-error'];
}

/** Throws 422 with the allowed alternatives when `from → to` is not a permitted transition. */
export function assertTransition(from: AppointmentStatus, to: AppointmentStatus): void {
  if (isAllowedTransition(from, to)) return;
  const allowed = nextStatuses(from);
  throw unprocessable([
    issue(
      'error',
      'business-rule',
      `Appointment status cannot change from '${from}' to '${to}'` +
        (allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ` ('${from}' is final)`),
      ['Appointment.status'],
    ),
  ]);
}
