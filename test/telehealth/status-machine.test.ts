import { assertTransition, isAllowedTransition, nextStatuses, type AppointmentStatus } from '../../src/telehealth/visit/status-machine';
import { FhirError } from '../../src/fhir/outcome';

const ALL: AppointmentStatus[] = ['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist'];

// The documented graph (README, "Visit lifecycle"), written out independently of the code.
const EXPECTED: Record<AppointmentStatus, AppointmentStatus[]> = {
  proposed: ['pending', 'booked', 'waitlist', 'cancelled', 'entered-in-error'],
  pending: ['booked', 'waitlist', 'cancelled', 'entered-in-error'],
  waitlist: ['pending', 'booked', 'cancelled', 'entered-in-error'],
  booked: ['arrived', 'checked-in', 'cancelled', 'noshow', 'entered-in-error'],
  arrived: ['checked-in', 'fulfilled', 'entered-in-error'],
  'checked-in': ['arrived', 'fulfilled', 'entered-in-error'],
  fulfilled: ['entered-in-error'],
  cancelled: ['entered-in-error'],
  noshow: ['entered-in-error'],
  'entered-in-error': [],
};

describe('Appointment status state machine', () => {
  for (const from of ALL) {
    for (const to of ALL) {
      const allowed = from === to || EXPECTED[from].includes(to);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(isAllowedTransition(from, to)).toBe(allowed);
        if (allowed) expect(() => assertTransition(from, to)).not.toThrow();
        else {
          let caught: unknown;
          try {
            assertTransition(from, to);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(FhirError);
          expect((caught as FhirError).status).toBe(422);
          expect((caught as FhirError).issues[0]?.expression).toEqual(['Appointment.status']);
        }
      });
    }
  }

  it('lists the next statuses in its error message', () => {
    expect(nextStatuses('booked').sort()).toEqual([...EXPECTED.booked].sort());
    expect(() => assertTransition('fulfilled', 'booked')).toThrow(/cannot change from 'fulfilled' to 'booked'/);
    expect(() => assertTransition('entered-in-error', 'booked')).toThrow(/final/);
  });
});
