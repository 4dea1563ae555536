import type { Appointment } from 'fhir/r4';
import { created, openTelehealth, type TelehealthClient } from './client';
import { patient, practitioner, schedule, slot } from './fixtures';

describe('video visit lifecycle over the FHIR API', () => {
  let client: TelehealthClient;
  let patientId: string;
  let practitionerId: string;
  let scheduleId: string;
  let minute = 0;

  beforeAll(async () => {
    client = await openTelehealth();
    patientId = (await created(client, patient())).id;
    practitionerId = (await created(client, practitioner())).id;
    scheduleId = (await created(client, schedule(practitionerId))).id;
  });
  afterAll(() => client.close());

  const freeSlot = async (): Promise<string> => {
    minute += 30;
    const start = new Date(Date.UTC(2030, 0, 7, 8, minute));
    const end = new Date(start.getTime() + 20 * 60_000);
    return (await created(client, slot(scheduleId, start.toISOString(), end.toISOString()))).id;
  };
  const bookParams = (slotId: string, extra: Array<Record<string, unknown>> = []) => ({
    resourceType: 'Parameters',
    parameter: [
      { name: 'slot', valueReference: { reference: `Slot/${slotId}` } },
      { name: 'patient', valueReference: { reference: `Patient/${patientId}` } },
      ...extra,
    ],
  });
  const book = async (): Promise<Appointment> => {
    const res = await client.send('POST', 'Appointment/$book', bookParams(await freeSlot()));
    expect(res.status).toBe(201);
    return res.body as Appointment;
  };
  const setStatus = async (appointment: Appointment, status: Appointment['status']) => {
    const current = (await client.send('GET', `Appointment/${appointment.id}`)).body as Appointment;
    return client.send('PUT', `Appointment/${appointment.id}`, { ...current, status });
  };
  const encountersOf = async (appointmentId: string) =>
    ((await client.send('GET', `Encounter?appointment=Appointment/${appointmentId}`)).body.entry ?? []).map((e: { resource: unknown }) => e.resource);

  describe('$book', () => {
    it('books a free slot: booked Appointment with the profile and join link, the Slot busy', async () => {
      const slotId = await freeSlot();
      const res = await client.send('POST', 'Appointment/$book', bookParams(slotId));
      expect(res.status).toBe(201);
      const appointment = res.body as Appointment;
      expect(appointment.status).toBe('booked');
      expect(appointment.slot).toEqual([{ reference: `Slot/${slotId}` }]);
      expect(appointment.meta?.profile?.[0]).toMatch(/TelehealthAppointment|telehealth-appointment/i);
      expect(appointment.extension?.some((e) => typeof e.valueUrl === 'string' && e.valueUrl.endsWith(`/${appointment.id}`))).toBe(true);
      const actors = appointment.participant.map((p) => p.actor?.reference);
      expect(actors).toEqual(expect.arrayContaining([`Patient/${patientId}`, `Practitioner/${practitionerId}`]));
      expect(appointment.start).toBeDefined();
      const slotNow = await client.send('GET', `Slot/${slotId}`);
      expect(slotNow.body.status).toBe('busy');
      const read = await client.send('GET', `Appointment/${appointment.id}`);
      expect(read.status).toBe(200);
    });

    it('accepts an Appointment resource naming the slot', async () => {
      const slotId = await freeSlot();
      const res = await client.send('POST', 'Appointment/$book', {
        resourceType: 'Appointment',
        status: 'proposed',
        description: 'Follow-up on blood pressure',
        slot: [{ reference: `Slot/${slotId}` }],
        participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'needs-action' }],
      });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('booked');
      expect(res.body.description).toBe('Follow-up on blood pressure');
    });

    it('refuses a busy slot with 409', async () => {
      const slotId = await freeSlot();
      expect((await client.send('POST', 'Appointment/$book', bookParams(slotId))).status).toBe(201);
      const again = await client.send('POST', 'Appointment/$book', bookParams(slotId));
      expect(again.status).toBe(409);
      expect(again.body.resourceType).toBe('OperationOutcome');
    });

    it('of two concurrent bookings of one slot exactly one succeeds, the other is 409', async () => {
      const slotId = await freeSlot();
      const before = (await client.send('GET', `Appointment?slot=Slot/${slotId}`)).body.entry?.length ?? 0;
      const results = await Promise.all([1, 2, 3].map(() => client.send('POST', 'Appointment/$book', bookParams(slotId))));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409]);
      const after = (await client.send('GET', `Appointment?slot=Slot/${slotId}`)).body.entry?.length ?? 0;
      expect(after - before).toBe(1);
    });

    it.each([
      ['no slot', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: 'Patient/x' } }] }, 400],
      ['a slot that is not a Slot', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: 'Patient/1' } }] }, 400],
      ['an unknown slot', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: 'Slot/nope' } }, { name: 'patient', valueReference: { reference: 'Patient/x' } }] }, 422],
      ['a body that is neither Parameters nor Appointment', { resourceType: 'Patient' }, 400],
    ])('refuses %s', async (_name, body, status) => {
      expect((await client.send('POST', 'Appointment/$book', body)).status).toBe(status);
    });

    it('refuses an unknown patient with 422 and leaves the slot free', async () => {
      const slotId = await freeSlot();
      const res = await client.send('POST', 'Appointment/$book', {
        resourceType: 'Parameters',
        parameter: [
          { name: 'slot', valueReference: { reference: `Slot/${slotId}` } },
          { name: 'patient', valueReference: { reference: 'Patient/does-not-exist' } },
        ],
      });
      expect(res.status).toBe(422);
      expect((await client.send('GET', `Slot/${slotId}`)).body.status).toBe('free');
    });

    it('is POST only (405 on GET)', async () => {
      expect((await client.send('GET', 'Appointment/$book')).status).toBe(405);
    });
  });

  describe('$start-visit and $end-visit', () => {
    it('opens an in-progress VR Encounter, reuses it, then finishes it', async () => {
      const appointment = await book();
      const start = await client.send('POST', `Appointment/${appointment.id}/$start-visit`);
      expect(start.status).toBe(200);
      const encounter = start.body;
      expect(encounter.resourceType).toBe('Encounter');
      expect(encounter.status).toBe('in-progress');
      expect(encounter.class).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' });
      expect(encounter.appointment).toEqual([{ reference: `Appointment/${appointment.id}` }]);
      expect(encounter.subject).toEqual({ reference: `Patient/${patientId}` });
      expect(encounter.participant[0].individual).toEqual({ reference: `Practitioner/${practitionerId}` });
      expect(encounter.period.start).toBeDefined();
      expect((await client.send('GET', `Appointment/${appointment.id}`)).body.status).toBe('arrived');

      const again = await client.send('POST', `Appointment/${appointment.id}/$start-visit`);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(encounter.id);

      const end = await client.send('POST', `Appointment/${appointment.id}/$end-visit`);
      expect(end.status).toBe(200);
      expect(end.body.id).toBe(encounter.id);
      expect(end.body.status).toBe('finished');
      expect(end.body.period.end).toBeDefined();
      expect((await client.send('GET', `Appointment/${appointment.id}`)).body.status).toBe('fulfilled');
      expect(await encountersOf(appointment.id as string)).toHaveLength(1);
    });

    it('refuses to start a cancelled visit (422) and to end one never started (422)', async () => {
      const cancelled = await book();
      expect((await setStatus(cancelled, 'cancelled')).status).toBe(200);
      const start = await client.send('POST', `Appointment/${cancelled.id}/$start-visit`);
      expect(start.status).toBe(422);
      expect(start.body.issue[0].expression).toEqual(['Appointment.status']);
      const booked = await book();
      expect((await client.send('POST', `Appointment/${booked.id}/$end-visit`)).status).toBe(422);
      expect(await encountersOf(booked.id as string)).toHaveLength(0);
    });

    it('answers 404 for an unknown Appointment', async () => {
      expect((await client.send('POST', 'Appointment/unknown-appointment/$start-visit')).status).toBe(404);
    });

    it('is listed in the CapabilityStatement', async () => {
      const cs = (await client.send('GET', 'metadata')).body;
      const appointment = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Appointment');
      const names = (appointment.operation ?? []).map((o: { name: string }) => o.name);
      expect(names).toEqual(expect.arrayContaining(['book', 'start-visit', 'end-visit']));
    });
  });

  describe('plain writes go through the same state machine', () => {
    it('PUT booked → arrived opens the Encounter, → fulfilled finishes it', async () => {
      const appointment = await book();
      expect((await setStatus(appointment, 'arrived')).status).toBe(200);
      const [open] = await encountersOf(appointment.id as string);
      expect(open).toMatchObject({ status: 'in-progress', class: { code: 'VR' } });
      expect((await setStatus(appointment, 'fulfilled')).status).toBe(200);
      const [closed] = await encountersOf(appointment.id as string);
      expect(closed).toMatchObject({ id: open.id, status: 'finished' });
      expect(closed.period.end).toBeDefined();
    });

    it.each(['cancelled', 'noshow'] as const)('booked → %s creates no Encounter', async (status) => {
      const appointment = await book();
      expect((await setStatus(appointment, status)).status).toBe(200);
      expect(await encountersOf(appointment.id as string)).toHaveLength(0);
    });

    it.each([
      ['fulfilled', 'booked'],
      ['cancelled', 'arrived'],
      ['noshow', 'fulfilled'],
      ['booked', 'fulfilled'],
      ['arrived', 'cancelled'],
      ['entered-in-error', 'booked'],
    ] as const)('refuses %s → %s with 422', async (from, to) => {
      const appointment = await book();
      const path: Record<string, Appointment['status'][]> = {
        fulfilled: ['arrived', 'fulfilled'],
        cancelled: ['cancelled'],
        noshow: ['noshow'],
        booked: [],
        arrived: ['arrived'],
        'entered-in-error': ['entered-in-error'],
      };
      for (const step of path[from] ?? []) expect((await setStatus(appointment, step)).status).toBe(200);
      const res = await setStatus(appointment, to);
      expect(res.status).toBe(422);
      expect(res.body.issue[0].diagnostics).toMatch(new RegExp(`'${from}' to '${to}'`));
      expect((await client.send('GET', `Appointment/${appointment.id}`)).body.status).toBe(from);
    });

    it('refuses the transition inside a transaction Bundle too', async () => {
      const appointment = await book();
      await setStatus(appointment, 'cancelled');
      const current = (await client.send('GET', `Appointment/${appointment.id}`)).body;
      const res = await client.send('POST', '', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { ...current, status: 'booked' }, request: { method: 'PUT', url: `Appointment/${appointment.id}` } }],
      });
      expect(res.status).toBe(422);
    });
  });
});
