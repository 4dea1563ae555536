import type { Bundle } from 'fhir/r4';
import type { AccessContext } from '../../src/fhir/access/context';
import { patientEverything } from '../../src/fhir/operations/everything';
import { observationLastn } from '../../src/fhir/operations/lastn';
import { call, openTestContext, type TestServer } from '../core/helpers';
import { observation } from '../bundles/client';

/**
 * SMART scopes on the operations: the FHIR layer sees only an AccessContext, so these tests set
 * one directly (a patient-launch token for Alice with patient/*.rs) and run through dispatch.
 */
let server: TestServer;
let alice: string;
let bob: string;

const aliceAccess = (): AccessContext => ({
  unrestricted: false,
  clientId: 'test-app',
  patient: alice,
  scope: 'launch/patient patient/*.rs',
  grants: [{ context: 'patient', resourceType: '*', permissions: new Set(['r', 's'] as const) }],
});

beforeAll(async () => {
  server = await openTestContext({ operations: [patientEverything, observationLastn] });
  const create = async (resource: { resourceType: string }) => (await call(server.ctx, 'POST', resource.resourceType, { body: resource })).body.id as string;
  alice = await create({ resourceType: 'Patient', name: [{ family: 'Alice' }] } as never);
  bob = await create({ resourceType: 'Patient', name: [{ family: 'Bob' }] } as never);
  await create(observation(`Patient/${alice}`));
  await create(observation(`Patient/${bob}`));
});
afterAll(() => server.close());

it("a patient-scoped token gets its own patient's record and nothing of another patient", async () => {
  const ctx = { ...server.ctx, access: aliceAccess() };
  const own = await call(ctx, 'GET', `Patient/${alice}/$everything`);
  expect(own.status).toBe(200);
  const refs = ((own.body as Bundle).entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
  expect(refs).toContain(`Patient/${alice}`);
  expect(refs.filter((r) => r.startsWith('Observation/'))).toHaveLength(1);
  expect(refs).not.toContain(`Patient/${bob}`);
  const other = await call(ctx, 'GET', `Patient/${bob}/$everything`);
  expect([403, 404]).toContain(other.status);
});

it('$lastn for another patient returns nothing to a patient-scoped token', async () => {
  const ctx = { ...server.ctx, access: aliceAccess() };
  const res = await call(ctx, 'GET', `Observation/$lastn?patient=Patient/${bob}&category=vital-signs`);
  if (res.status === 200) expect((res.body as Bundle).entry ?? []).toHaveLength(0);
  else expect([403, 404]).toContain(res.status);
});

it('a token without any scope for the types is refused', async () => {
  const ctx = { ...server.ctx, access: { ...aliceAccess(), grants: [] } };
  expect((await call(ctx, 'GET', `Patient/${alice}/$everything`)).status).toBe(403);
});
