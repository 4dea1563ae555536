import type { BundleEntry, Observation } from 'fhir/r4';
import { created, openTelehealth, type TelehealthClient } from './client';
import { telehealthProfiles } from '../../src/telehealth/profiles';
import { flagIdOf } from '../../src/telehealth/rpm/flags';
import { REMOTE_MONITORING_PROFILE, generateDataset } from '../../seed/dataset';
import { device, patient, reading } from './fixtures';

describe('remote patient monitoring ingest', () => {
  let client: TelehealthClient;
  let patientId: string;
  let deviceId: string;

  beforeAll(async () => {
    client = await openTelehealth();
    patientId = (await created(client, patient('Nguyen'))).id;
    deviceId = (await created(client, device())).id;
  });
  afterAll(() => client.close());

  const entry = (o: Observation, conditional: boolean): BundleEntry => {
    const id = o.identifier?.[0] as { system: string; value: string };
    const request: BundleEntry['request'] = { method: 'POST', url: 'Observation' };
    if (conditional) request.ifNoneExist = `identifier=${id.system}|${id.value}`;
    return { resource: o, request };
  };
  const upload = (readings: Observation[], conditional = true) =>
    client.send('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: readings.map((o) => entry(o, conditional)) });
  const count = async (query: string) => (await client.send('GET', `Observation?${query}&_summary=count`)).body.total as number;
  const flags = async (query: string) => (await client.send('GET', `Flag?${query}`)).body.entry ?? [];

  it('a transaction upload sent twice yields one set of Observations', async () => {
    const readings = [70, 72, 75].map((v, n) => reading(patientId, deviceId, '8867-4', v, '/min', n));
    const first = await upload(readings);
    expect(first.status).toBe(200);
    expect(first.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['201', '201', '201']);
    const second = await upload(readings);
    expect(second.status).toBe(200);
    expect(second.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['200', '200', '200']);
    expect(await count(`patient=Patient/${patientId}&code=http://loinc.org|8867-4`)).toBe(3);
  });

  it('a retried upload without If-None-Exist creates nothing new (409, whole transaction rolled back)', async () => {
    const readings = [96, 97].map((v, n) => reading(patientId, deviceId, '59408-5', v, '%', 10 + n));
    expect((await upload(readings, false)).status).toBe(200);
    const extra = reading(patientId, deviceId, '59408-5', 98, '%', 12);
    const retry = await upload([...readings, extra], false);
    expect(retry.status).toBe(409);
    expect(await count(`patient=Patient/${patientId}&code=http://loinc.org|59408-5`)).toBe(2);
    const single = await client.send('POST', 'Observation', readings[0]);
    expect(single.status).toBe(409);
    expect(single.body.issue[0].diagnostics).toMatch(/If-None-Exist/);
    const conditional = await client.send('POST', 'Observation', readings[0], {
      'If-None-Exist': `identifier=https://telefhir.example/reading|${readings[0]?.identifier?.[0]?.value}`,
    });
    expect(conditional.status).toBe(200);
    expect(await count(`patient=Patient/${patientId}&code=http://loinc.org|59408-5`)).toBe(2);
  });

  it('refuses a reading from an unknown Device (422) and from a non-Device', async () => {
    const unknown = reading(patientId, 'no-such-device', '8867-4', 70, '/min', 20);
    const res = await client.send('POST', 'Observation', unknown);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Observation.device']);
    const wrongType = { ...reading(patientId, deviceId, '8867-4', 70, '/min', 21), device: { reference: `Patient/${patientId}` } };
    expect((await client.send('POST', 'Observation', wrongType)).status).toBe(422);
    const inBundle = await upload([reading(patientId, 'no-such-device', '8867-4', 70, '/min', 22)]);
    expect(inBundle.status).toBe(422);
  });

  it('refuses a reading whose subject is not an existing Patient (422)', async () => {
    const res = await client.send('POST', 'Observation', reading('missing-patient', deviceId, '8867-4', 70, '/min', 30));
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Observation.subject']);
  });

  it('accepts a Device and its readings created in the same transaction', async () => {
    const o = reading(patientId, 'x', '29463-7', 80, 'kg', 40);
    o.device = { reference: 'urn:uuid:6a1b6c0e-1f0a-4d55-9c3e-0a4c2d7c1e01' };
    const res = await client.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6a1b6c0e-1f0a-4d55-9c3e-0a4c2d7c1e01', resource: device('SCALE-9'), request: { method: 'POST', url: 'Device' } },
        { resource: o, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(200);
  });

  it('raises an active Flag for an out-of-range reading, findable by patient and status', async () => {
    const other = (await created(client, patient('Flagged'))).id;
    const high = reading(other, deviceId, '8867-4', 152, '/min', 50);
    const normal = reading(other, deviceId, '8867-4', 71, '/min', 51);
    const bp: Observation = {
      ...reading(other, deviceId, '85354-9', 0, 'mm[Hg]', 52),
      valueQuantity: undefined,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 200, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 95, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
    };
    delete bp.valueQuantity;
    expect((await upload([high, normal, bp])).status).toBe(200);
    const active = await flags(`patient=Patient/${other}&status=active`);
    expect(active).toHaveLength(2);
    const texts = active.map((e: { resource: { code: { text: string } } }) => e.resource.code.text).sort();
    expect(texts[0]).toMatch(/Heart rate 152 \/min is above 130/);
    expect(texts[1]).toMatch(/Systolic blood pressure 200 mm\[Hg\] is above 180/);
    for (const e of active) expect(e.resource.subject).toEqual({ reference: `Patient/${other}` });
    // re-sending the same readings raises no second Flag
    expect((await upload([high, normal, bp])).status).toBe(200);
    expect(await flags(`patient=Patient/${other}&status=active`)).toHaveLength(2);
  });

  it('a corrected reading back in range makes its Flag inactive', async () => {
    const other = (await created(client, patient('Corrected'))).id;
    const low = await created(client, reading(other, deviceId, '59408-5', 82, '%', 60));
    expect(await flags(`patient=Patient/${other}&status=active`)).toHaveLength(1);
    expect((await client.send('PUT', `Observation/${low.id}`, { ...low, valueQuantity: { ...low.valueQuantity, value: 95 } })).status).toBe(200);
    expect(await flags(`patient=Patient/${other}&status=active`)).toHaveLength(0);
    expect(await flags(`patient=Patient/${other}&status=inactive`)).toHaveLength(1);
  });

  it('leaves Observations that do not claim the profile alone (no Device rule, no Flag)', async () => {
    const other = (await created(client, patient('Clinic'))).id;
    const clinic = reading(other, deviceId, '8867-4', 160, '/min', 70);
    delete clinic.device;
    delete clinic.meta;
    expect((await client.send('POST', 'Observation', clinic)).status).toBe(201);
    expect(await flags(`patient=Patient/${other}`)).toHaveLength(0);
  });

  describe('a plain R4 Observation may name any device R4 allows', () => {
    const plain = (n: number, device: Observation['device']): Observation => {
      const o = reading(patientId, deviceId, '8867-4', 160, '/min', n);
      delete o.meta;
      o.device = device;
      return o;
    };
    it.each([
      ['a Device this server does not know', 80, { reference: 'Device/not-registered-here' }],
      ['a DeviceMetric', 81, { reference: 'DeviceMetric/example' }],
      ['a display-only reference', 82, { display: '12 lead EKG Device Metric' }],
    ])('%s: accepted (201), judged as plain R4, no Flag even out of range', async (_label, n, device) => {
      const res = await client.send('POST', 'Observation', plain(n, device));
      expect(res.status).toBe(201);
      expect((await client.send('GET', `Flag/${flagIdOf(res.body.id)}`)).status).toBe(404);
    });
    it('the same reading claiming RemoteMonitoringObservation with a DeviceMetric is refused (422 on Observation.device)', async () => {
      const claimed = reading(patientId, deviceId, '8867-4', 70, '/min', 90);
      claimed.device = { reference: 'DeviceMetric/example' };
      const res = await client.send('POST', 'Observation', claimed);
      expect(res.status).toBe(422);
      expect(res.body.issue[0].expression).toEqual(['Observation.device']);
      expect(res.body.issue[0].diagnostics).toMatch(/registered Device/);
    });
    it('a versioned profile claim counts as a claim (unknown Device refused)', async () => {
      const claimed = reading(patientId, 'no-such-device', '8867-4', 70, '/min', 91);
      claimed.meta = { profile: [`${claimed.meta?.profile?.[0]}|0.1.0`] };
      const res = await client.send('POST', 'Observation', claimed);
      expect(res.status).toBe(422);
      expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain('Observation.device');
    });
  });

  it("the seed's home readings claim the profile the server knows, so they are RPM readings", () => {
    expect(REMOTE_MONITORING_PROFILE).toBe(telehealthProfiles().remoteObservation);
    const observations = generateDataset({ patients: 2, seed: 1, today: new Date('2030-01-15T00:00:00Z') })
      .bundles.flatMap((b) => b.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is Observation => r?.resourceType === 'Observation');
    expect(observations.length).toBeGreaterThan(0);
    for (const o of observations.filter((x) => x.device)) expect(o.meta?.profile).toEqual([REMOTE_MONITORING_PROFILE]);
  });
});
